#include "connectors/smtp/smtp_sink.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include <gtest/gtest.h>

#include "connectors/smtp/smtp_failure.hpp"

using namespace gpwatch;
using smtp::SubmissionFailure;

namespace {

smtp::SmtpOptions good_options() {
    smtp::SmtpOptions o;
    o.url = "smtp://send.nhs.net:587";
    o.from = "gpwatch@c84001.nhs.net";
    o.to = {"duty-gp@c84001.nhs.net"};
    o.practice_ods = "C84001";
    o.auth = smtp::SmtpAuth::xoauth2;
    o.username = "gpwatch@c84001.nhs.net";
    o.oauth2_token_file = "/run/credentials/gpwatchd.service/nhsmail-token";
    return o;
}

Alert escalation() {
    Alert a;
    a.id = 12;
    a.write_id = 7;
    a.reason = Reason::unreviewed_overdue;
    a.severity = Severity::urgent;
    a.subject = "[URGENT] Still not reviewed: write by RT5";
    a.body = "Still waiting.\n";
    a.created_at = 1'778'492'527;
    a.in_reply_to_alert = "alert-9.C84001@gpwatch.invalid";
    a.nhs_number = "9434765919";
    return a;
}

// A loopback port with nothing listening: bound, then closed.
int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace

TEST(SmtpFailure, FiveHundredRepliesArePermanentWithTheServersWords) {
    for (long code : {550L, 535L, 554L, 552L}) {
        auto r = smtp::classify({SubmissionFailure::Kind::reply, code, std::to_string(code) + " 5.x.x refused", ""});
        EXPECT_FALSE(r.delivered);
        EXPECT_FALSE(r.retryable) << code;
        EXPECT_NE(r.error.find(std::to_string(code) + " 5.x.x refused"), std::string::npos) << r.error;
    }
}

TEST(SmtpFailure, FourHundredRepliesConnectionTroubleAndTimeOutsAreRetried) {
    EXPECT_TRUE(smtp::classify({SubmissionFailure::Kind::reply, 451, "451 4.3.0 later", ""}).retryable);
    EXPECT_TRUE(smtp::classify({SubmissionFailure::Kind::reply, 421, "421 closing", ""}).retryable);
    EXPECT_TRUE(smtp::classify({SubmissionFailure::Kind::connection, 0, "", "refused"}).retryable);
    EXPECT_TRUE(smtp::classify({SubmissionFailure::Kind::timeout, 0, "", "60 s"}).retryable);
    EXPECT_TRUE(smtp::classify({SubmissionFailure::Kind::local, 0, "", "token file missing"}).retryable);
}

TEST(SmtpFailure, TlsThatDoesNotVerifyOrIsMissingIsPermanent) {
    auto refused = smtp::classify({SubmissionFailure::Kind::tls_refused, 0, "", "unable to get local issuer"});
    EXPECT_FALSE(refused.retryable);
    EXPECT_NE(refused.error.find("certificate"), std::string::npos);
    auto clear = smtp::classify({SubmissionFailure::Kind::tls_unavailable, 0, "", "STARTTLS not offered"});
    EXPECT_FALSE(clear.retryable);
    EXPECT_NE(clear.error.find("STARTTLS"), std::string::npos);
}

TEST(SmtpOptions, EachProblemIsNamed) {
    EXPECT_EQ(smtp::check_options(good_options()), "");
    auto o = good_options();
    o.url = "http://send.nhs.net";
    EXPECT_NE(smtp::check_options(o).find("smtp url"), std::string::npos);
    o = good_options();
    o.to.clear();
    EXPECT_NE(smtp::check_options(o).find("recipient"), std::string::npos);
    o = good_options();
    o.to = {"duty gp@x"};
    EXPECT_NE(smtp::check_options(o).find("smtp to"), std::string::npos);
    o = good_options();
    o.from = "gpwatch";
    EXPECT_NE(smtp::check_options(o).find("smtp from"), std::string::npos);
    o = good_options();
    o.oauth2_token_file.clear();
    EXPECT_NE(smtp::check_options(o).find("oauth2_token_file"), std::string::npos);
    o = good_options();
    o.auth = smtp::SmtpAuth::plain;
    EXPECT_NE(smtp::check_options(o).find("password"), std::string::npos);
    o.password = "p";
    EXPECT_EQ(smtp::check_options(o), "");
    o.password_file = "/etc/gpwatch/smtp-password";
    EXPECT_NE(smtp::check_options(o).find("exactly one"), std::string::npos);
    o = good_options();
    o.url = "smtps://send.nhs.net:465";
    EXPECT_EQ(smtp::check_options(o), "");
    EXPECT_THROW(smtp::SmtpSink(smtp::SmtpOptions{}), std::invalid_argument);
}

TEST(SmtpSink, AnEscalationThreadsUnderTheEarlierAlert) {
    smtp::SmtpSink sink(good_options());
    const auto m = sink.message_for(escalation());
    EXPECT_NE(m.find("Message-ID: <alert-12.C84001@gpwatch.invalid>\r\n"), std::string::npos);
    EXPECT_NE(m.find("In-Reply-To: <alert-9.C84001@gpwatch.invalid>\r\n"), std::string::npos);
    EXPECT_NE(m.find("References: <alert-9.C84001@gpwatch.invalid>\r\n"), std::string::npos);
    EXPECT_NE(m.find("To: duty-gp@c84001.nhs.net\r\n"), std::string::npos);
    auto first = escalation();
    first.in_reply_to_alert.clear();
    EXPECT_EQ(sink.message_for(first).find("In-Reply-To"), std::string::npos);
    EXPECT_EQ(sink.message_for(first), sink.message_for(first)) << "the same bytes every time";
}

TEST(SmtpSink, AMissingTokenFileIsRetriedAndNamesTheFileNotTheToken) {
    auto o = good_options();
    o.oauth2_token_file = testing::TempDir() + "no-such-token-file";
    smtp::SmtpSink sink(o);
    const auto r = sink.deliver(escalation());
    EXPECT_FALSE(r.delivered);
    EXPECT_TRUE(r.retryable);
    EXPECT_NE(r.error.find("no-such-token-file"), std::string::npos) << r.error;
}

TEST(SmtpSink, NobodyListeningIsRetryable) {
    auto o = good_options();
    o.url = "smtp://127.0.0.1:" + std::to_string(closed_port());
    o.auth = smtp::SmtpAuth::plain;
    o.oauth2_token_file.clear();
    o.password = "p";
    smtp::SmtpSink sink(o);
    const auto r = sink.deliver(escalation());
    EXPECT_FALSE(r.delivered);
    EXPECT_TRUE(r.retryable) << r.error;
    EXPECT_EQ(r.error.find("9434765919"), std::string::npos);
}
