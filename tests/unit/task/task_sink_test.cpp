#include "connectors/task/task_sink.hpp"

#include <stdexcept>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/task/task_request.hpp"

using namespace gpwatch;

namespace {

Alert overdue() {
    Alert a;
    a.id = 31;
    a.reason = Reason::unreviewed_overdue;
    a.severity = Severity::high;
    a.subject = "[HIGH] Not reviewed in time: write by RT5";
    a.body = "Patient: 943 476 5919\nReview the entry.";
    a.nhs_number = "9434765919";
    return a;
}

}  // namespace

TEST(TaskRequest, TheBodyFeedsMdDescribes) {
    const auto doc = boost::json::parse(task::task_json(overdue(), "C84001", "duty-doctor")).as_object();
    EXPECT_EQ(doc.size(), 8u);
    EXPECT_EQ(doc.at("practice").as_string(), "C84001");
    EXPECT_EQ(doc.at("list").as_string(), "duty-doctor");
    EXPECT_EQ(doc.at("priority").as_string(), "high");
    EXPECT_EQ(doc.at("title").as_string(), "[HIGH] Not reviewed in time: write by RT5");
    EXPECT_EQ(doc.at("body").as_string(), "Patient: 943 476 5919\nReview the entry.");
    EXPECT_EQ(doc.at("patient").at("nhs_number").as_string(), "9434765919");
    EXPECT_EQ(doc.at("dedupe_key").as_string(), "gpwatch-C84001-alert-31");
    // The first alert about a write is its own thread.
    EXPECT_EQ(doc.at("thread_id").as_string(), "alert-31.C84001@gpwatch.invalid");
}

TEST(TaskRequest, AFollowUpCarriesItsWritesFirstAlertAsThread) {
    auto a = overdue();
    a.in_reply_to_alert = "alert-7.C84001@gpwatch.invalid";
    const auto doc = boost::json::parse(task::task_json(a, "C84001", "duty-doctor")).as_object();
    EXPECT_EQ(doc.at("thread_id").as_string(), "alert-7.C84001@gpwatch.invalid");
    EXPECT_EQ(doc.at("dedupe_key").as_string(), "gpwatch-C84001-alert-31") << "the key stays the alert's own";
}

TEST(TaskRequest, NoPatientForAnAlertAboutNone) {
    auto a = overdue();
    a.kind = "internal";
    a.nhs_number.clear();
    const auto doc = boost::json::parse(task::task_json(a, "C84001", "duty-doctor")).as_object();
    EXPECT_FALSE(doc.contains("patient"));
}

TEST(TaskRequest, PriorityFollowsSeverityAndTheKeyIsStable) {
    EXPECT_STREQ(task::priority_for(Severity::urgent), "urgent");
    EXPECT_STREQ(task::priority_for(Severity::high), "high");
    EXPECT_STREQ(task::priority_for(Severity::review), "routine");
    EXPECT_STREQ(task::priority_for(Severity::info), "routine");
    auto a = overdue();
    const auto key = task::dedupe_key(a, "C84001");
    a.attempts = 5;
    a.subject = "changed";
    EXPECT_EQ(task::dedupe_key(a, "C84001"), key) << "a retry sends the same key";
    a.id = 32;
    EXPECT_NE(task::dedupe_key(a, "C84001"), key);
    EXPECT_NE(task::dedupe_key(overdue(), "C84002"), key);
}

TEST(TaskOptions, EachProblemIsNamed) {
    task::TaskOptions o;
    o.url = "https://clinical.example:8443/tasks";
    o.token = "t";
    o.practice_ods = "C84001";
    EXPECT_EQ(task::check_options(o), "");
    o.url = "wss://clinical.example:8443/feed";
    EXPECT_NE(task::check_options(o).find("https://"), std::string::npos);
    o.url = "https://clinical.example:8443/tasks";
    o.token.clear();
    EXPECT_NE(task::check_options(o).find("token"), std::string::npos);
    EXPECT_THROW(task::TaskSink(task::TaskOptions{}), std::invalid_argument);
}

TEST(TaskRequest, ALongTextIsCutAtALineEndAndSaysWhereTheRestIs) {
    auto a = overdue();
    a.body.clear();
    for (int i = 0; i < 2000; ++i) a.body += "  - alert " + std::to_string(i) + ": [HIGH] Not reviewed in time\n";
    const auto text = task::task_text(a);
    EXPECT_LE(text.size(), task::kMaxTaskText);
    EXPECT_NE(text.find("cut here"), std::string::npos);
    EXPECT_NE(text.find("alert 31)"), std::string::npos) << "names the alert to look up";
    const auto before_note = text.substr(0, text.find("\n[... cut here"));
    EXPECT_EQ(a.body.compare(0, before_note.size(), before_note), 0) << "the start is the alert's own text";
    EXPECT_EQ(a.body[before_note.size()], '\n') << "cut at a line end";
    EXPECT_EQ(task::task_text(overdue()), overdue().body) << "a short text is left whole";
}
