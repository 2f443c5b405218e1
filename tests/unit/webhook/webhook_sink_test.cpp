#include "connectors/webhook/webhook_sink.hpp"

#include <stdexcept>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/webhook/webhook_payload.hpp"
#include "connectors/webhook/webhook_signature.hpp"

using namespace gpwatch;

namespace {

Alert digest_with_patient_details() {
    Alert a;
    a.id = 40;
    a.kind = "digest";
    a.reason = Reason::unknown_writer;
    a.severity = Severity::high;
    a.subject = "[HIGH] 3 writes by unlisted organisations";
    a.body = "Patient 943 476 5919 (Jane Example): safeguarding flag added";
    a.nhs_number = "9434765919";
    a.created_at = 1'778'492'527;
    a.covers = {37, 38, 39};
    a.rule = "safeguarding";
    a.feed = "clinical";
    a.upstream_id = "e-7f3a9c";
    a.author_ods = "RT5";
    a.author_name = "Leicestershire Partnership NHS Trust";
    return a;
}

}  // namespace

TEST(WebhookPayload, ThreadIdIsTheWritesFirstAlert) {
    auto a = digest_with_patient_details();
    auto doc = boost::json::parse(webhook::payload_json(a, "C84001")).as_object();
    EXPECT_EQ(doc.at("thread_id").as_string(), "alert-40.C84001@gpwatch.invalid") << "a first alert is its own thread";
    a.in_reply_to_alert = "alert-12.C84001@gpwatch.invalid";
    doc = boost::json::parse(webhook::payload_json(a, "C84001")).as_object();
    EXPECT_EQ(doc.at("thread_id").as_string(), "alert-12.C84001@gpwatch.invalid");
}

TEST(WebhookSignature, HmacSha256OverTimestampDotBody) {
    // Known answer, computed independently with Python's hmac module:
    // hmac.new(b"topsecret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    EXPECT_EQ(webhook::signature("topsecret", 1'700'000'000, R"({"a":1})"),
              "sha256=6a939b0c71853d606167625a15168ee9188c6a511c773ef4f42d307f3849e50f");
    EXPECT_NE(webhook::signature("topsecret", 1'700'000'001, R"({"a":1})"),
              webhook::signature("topsecret", 1'700'000'000, R"({"a":1})"));
}

TEST(WebhookPayload, CarriesWhatAndWhereButNeverThePatient) {
    const auto text = webhook::payload_json(digest_with_patient_details(), "C84001");
    EXPECT_EQ(text.find("9434765919"), std::string::npos);
    EXPECT_EQ(text.find("943 476 5919"), std::string::npos);
    EXPECT_EQ(text.find("Jane"), std::string::npos);
    const auto doc = boost::json::parse(text).as_object();
    EXPECT_FALSE(doc.contains("nhs_number"));
    EXPECT_FALSE(doc.contains("body"));
    EXPECT_EQ(doc.at("practice").as_string(), "C84001");
    EXPECT_EQ(doc.at("alert_id").as_int64(), 40);
    EXPECT_EQ(doc.at("kind").as_string(), "digest");
    EXPECT_EQ(doc.at("reason").as_string(), "unknown_writer");
    EXPECT_EQ(doc.at("severity").as_string(), "high");
    EXPECT_EQ(doc.at("rule").as_string(), "safeguarding");
    EXPECT_EQ(doc.at("feed").as_string(), "clinical");
    EXPECT_EQ(doc.at("upstream_id").as_string(), "e-7f3a9c");
    EXPECT_EQ(doc.at("author").at("ods").as_string(), "RT5");
    EXPECT_EQ(doc.at("subject").as_string(), "[HIGH] 3 writes by unlisted organisations");
    EXPECT_EQ(doc.at("created_at").as_string(), "2026-05-11T09:42:07Z");
    EXPECT_EQ(boost::json::serialize(doc.at("covers")), "[37,38,39]");
}

TEST(WebhookPayload, AnInternalAlertIsNamedByItsCondition) {
    Alert a;
    a.id = 41;
    a.kind = "internal";
    a.condition = "lmc_upload_refused";
    a.severity = Severity::high;
    a.subject = "[HIGH] gpwatch: the LMC collector refused a report";
    const auto doc = boost::json::parse(webhook::payload_json(a, "C84001")).as_object();
    EXPECT_EQ(doc.at("reason").as_string(), "lmc_upload_refused") << "not the default write reason";
}

TEST(WebhookOptions, EachProblemIsNamed) {
    webhook::WebhookOptions o{"https://hooks.example.nhs.uk/gpwatch", "s", "", "C84001", ""};
    EXPECT_EQ(webhook::check_options(o), "");
    o.url = "http://hooks.example.nhs.uk/gpwatch";
    EXPECT_NE(webhook::check_options(o).find("https://"), std::string::npos);
    o.url = "https://hooks.example.nhs.uk/gpwatch";
    o.secret_file = "/etc/gpwatch/webhook-secret";
    EXPECT_NE(webhook::check_options(o).find("exactly one"), std::string::npos);
    EXPECT_THROW(webhook::WebhookSink(webhook::WebhookOptions{}), std::invalid_argument);
}

TEST(WebhookSink, AnUnreadableSecretFileIsRetriedAndNamesTheFile) {
    webhook::WebhookOptions o;
    o.url = "https://127.0.0.1:1/hook";
    o.secret_file = testing::TempDir() + "no-such-webhook-secret";
    webhook::WebhookSink sink(o);
    const auto r = sink.deliver(digest_with_patient_details());
    EXPECT_FALSE(r.delivered);
    EXPECT_TRUE(r.retryable);
    EXPECT_NE(r.error.find("no-such-webhook-secret"), std::string::npos);
}
