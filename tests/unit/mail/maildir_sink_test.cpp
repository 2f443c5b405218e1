#include "connectors/mail/maildir_sink.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

using namespace gpwatch;
namespace fs = std::filesystem;

namespace {

Alert sample_alert() {
    Alert a;
    a.id = 42;
    a.write_id = 7;
    a.reason = Reason::unauthorised_write;
    a.severity = Severity::urgent;
    a.subject = "[URGENT] Unauthorised write by Midlands Community Care NHS Trust (RW1)";
    a.body = "URGENT: Unauthorised write.\n\nWhat:     Observation\n";
    a.created_at = 1'778'492'527;  // Mon, 11 May 2026 09:42:07 UTC
    return a;
}

std::vector<fs::path> files_in(const fs::path& d) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(d)) out.push_back(e.path());
    return out;
}

}  // namespace

TEST(Rfc5322, HeadersAndCrlfBody) {
    auto m = mail::format_message(sample_alert(), {"gpwatch@p.nhs.net", "duty@p.nhs.net", "C84001"});
    EXPECT_NE(m.find("Date: Mon, 11 May 2026 09:42:07 +0000\r\n"), std::string::npos);
    EXPECT_NE(m.find("From: gpwatch <gpwatch@p.nhs.net>\r\n"), std::string::npos);
    EXPECT_NE(m.find("To: duty@p.nhs.net\r\n"), std::string::npos);
    EXPECT_NE(m.find("Message-ID: <alert-42.C84001@gpwatch.invalid>\r\n"), std::string::npos);
    EXPECT_NE(m.find("X-Gpwatch-Reason: unauthorised_write\r\n"), std::string::npos);
    EXPECT_NE(m.find("\r\n\r\nURGENT: Unauthorised write.\r\n\r\nWhat:"), std::string::npos);
    EXPECT_EQ(m.find("\n\n"), std::string::npos) << "every line ends in CRLF";
}

TEST(Rfc5322, AnInternalAlertIsFiledUnderItsCondition) {
    // Mail rules route on X-Gpwatch-Reason: "feed down" must not look like an unknown writer.
    auto a = sample_alert();
    a.write_id = 0;
    a.kind = "internal";
    a.condition = "feed_disconnected";
    auto m = mail::format_message(a, {"f@x", "t@x", "C84001"});
    EXPECT_NE(m.find("X-Gpwatch-Reason: feed_disconnected\r\n"), std::string::npos);
    EXPECT_EQ(m.find("X-Gpwatch-Reason: unauthorised_write"), std::string::npos);
}

TEST(Rfc5322, NonAsciiSubjectIsEncodedAndNewlinesCannotInjectHeaders) {
    auto a = sample_alert();
    a.subject = "Write by Ysbyty Gwynedd – Bangor\r\nBcc: someone@evil";
    auto m = mail::format_message(a, {"f@x", "t@x", "C84001"});
    EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
    EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
}

TEST(MaildirSink, DeliversOneFileAndRedeliveryLeavesOne) {
    auto dir = fs::temp_directory_path() / ("gpwatch-maildir-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    mail::MaildirSink sink(dir.string(), {"f@x", "t@x", "C84001"});
    auto a = sample_alert();
    EXPECT_TRUE(sink.deliver(a).delivered);
    EXPECT_TRUE(sink.deliver(a).delivered);
    auto delivered = files_in(dir / "new");
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_TRUE(files_in(dir / "tmp").empty());
    // A mail client moves it to cur/ and marks it seen: still no second copy.
    fs::rename(delivered[0], dir / "cur" / (delivered[0].filename().string() + ":2,S"));
    EXPECT_TRUE(sink.deliver(a).delivered);
    EXPECT_TRUE(files_in(dir / "new").empty());
    std::ifstream in(files_in(dir / "cur")[0]);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find("Subject: [URGENT] Unauthorised write"), std::string::npos);
    EXPECT_EQ(ss.str().find('\r'), std::string::npos) << "Maildir files hold Unix line ends";
    fs::remove_all(dir);
}

TEST(MaildirSink, ABrokenInboxIsARetryableFailure) {
    // tmp/ replaced by a plain file: creating the message fails even for root.
    auto dir = fs::temp_directory_path() / ("gpwatch-maildir-broken-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    mail::MaildirSink sink(dir.string(), {"f@x", "t@x", "C84001"});
    fs::remove(dir / "tmp");
    std::ofstream(dir / "tmp") << "not a directory";
    auto r = sink.deliver(sample_alert());
    EXPECT_FALSE(r.delivered);
    EXPECT_TRUE(r.retryable);
    EXPECT_NE(r.error.find("cannot create"), std::string::npos) << r.error;
    EXPECT_TRUE(files_in(dir / "new").empty());
    fs::remove_all(dir);
}
