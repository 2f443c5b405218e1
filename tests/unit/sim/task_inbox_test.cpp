// The simulated clinical system's task lists: field checks, dedupe, journal.

#include "sim/clinical/task_inbox.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sim/common/journal.hpp"

namespace {

using gpwatch::sim::Journal;
using gpwatch::sim::TaskInbox;
namespace json = boost::json;

json::object good_task() {
    return json::object{{"practice", "C84001"}, {"list", "duty-doctor"}, {"priority", "urgent"},
                        {"title", "[URGENT] Unauthorised write by RW1"}, {"body", "Check the entry now."},
                        {"patient", json::object{{"nhs_number", "9434765919"}}}, {"dedupe_key", "gpwatch-C84001-alert-3"}};
}

std::vector<json::object> journal_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<json::object> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).as_object());
    return out;
}

std::string field_of(const std::string& reply_body) {
    return std::string(json::parse(reply_body).as_object().at("field").as_string());
}

TEST(TaskInbox, CreatesThenDedupesToTheFirstIdAndJournalsTheRepeatApart) {
    const std::string path = testing::TempDir() + "task_inbox_journal_" + std::to_string(::getpid()) + ".jsonl";
    std::remove(path.c_str());
    {
        Journal journal(path);
        TaskInbox inbox("C84001", &journal);
        const auto first = inbox.submit(json::serialize(good_task()));
        ASSERT_EQ(first.status, 201u) << first.body;
        const auto id = json::parse(first.body).as_object().at("task_id").as_string();
        EXPECT_FALSE(id.empty());

        auto again = good_task();
        again["title"] = "a retry may differ in text; the key decides";
        const auto second = inbox.submit(json::serialize(again));
        EXPECT_EQ(second.status, 200u);
        EXPECT_EQ(json::parse(second.body).as_object().at("task_id").as_string(), id);

        auto other = good_task();
        other["dedupe_key"] = "gpwatch-C84001-alert-4";
        const auto third = inbox.submit(json::serialize(other));
        EXPECT_EQ(third.status, 201u);
        EXPECT_NE(json::parse(third.body).as_object().at("task_id").as_string(), id);
        EXPECT_EQ(inbox.task_count(), 2u);
    }
    const auto lines = journal_lines(path);
    ASSERT_EQ(lines.size(), 3u) << "the task, its repeat, the other task";
    EXPECT_EQ(lines[1].at("type").as_string(), "task_repeated") << "a repeat is no second task";
    EXPECT_EQ(lines[1].at("dedupe_key").as_string(), "gpwatch-C84001-alert-3");
    EXPECT_EQ(lines[1].at("task_id").as_string(), lines[0].at("task_id").as_string());
    EXPECT_EQ(lines[0].at("type").as_string(), "task");
    EXPECT_EQ(lines[0].at("dedupe_key").as_string(), "gpwatch-C84001-alert-3");
    EXPECT_EQ(lines[0].at("patient").at("nhs_number").as_string(), "9434765919");
    EXPECT_EQ(lines[0].at("title").as_string(), "[URGENT] Unauthorised write by RW1");
    std::remove(path.c_str());
}

TEST(TaskInbox, APatientIsOptional) {
    TaskInbox inbox("C84001", nullptr);
    auto t = good_task();
    t.erase("patient");
    EXPECT_EQ(inbox.submit(json::serialize(t)).status, 201u);
}

TEST(TaskInbox, EachBadFieldIsNamedAnd400) {
    struct Case {
        const char* field;
        json::value value;  // null: remove the field
        const char* named;
    };
    std::vector<Case> cases;
    auto add = [&](const char* field, json::value value, const char* named) {
        cases.push_back({field, std::move(value), named});
    };
    add("practice", nullptr, "practice");
    add("practice", "A12345", "practice");
    add("list", "", "list");
    add("priority", "whenever", "priority");
    add("priority", 3, "priority");
    add("title", nullptr, "title");
    add("title", json::string(std::string(501, 'x')), "title");
    add("body", json::array{}, "body");
    add("dedupe_key", nullptr, "dedupe_key");
    add("patient", "9434765919", "patient");
    add("patient", json::object{{"nhs_number", "94347659"}}, "patient.nhs_number");
    add("patient", json::object{{"nhs_number", "94347659AB"}}, "patient.nhs_number");
    add("patient", json::object{}, "patient.nhs_number");
    TaskInbox inbox("C84001", nullptr);
    for (const auto& c : cases) {
        auto t = good_task();
        if (c.value.is_null())
            t.erase(c.field);
        else
            t[c.field] = c.value;
        const auto reply = inbox.submit(json::serialize(t));
        EXPECT_EQ(reply.status, 400u) << c.field;
        EXPECT_EQ(field_of(reply.body), c.named) << reply.body;
        EXPECT_EQ(reply.body.find("9434765919"), std::string::npos) << "an error never echoes the NHS number";
    }
    EXPECT_EQ(inbox.task_count(), 0u) << "nothing bad was kept";
    EXPECT_EQ(inbox.submit("{not json").status, 400u);
    EXPECT_EQ(field_of(inbox.submit("[1,2]").body), "body");
}

}  // namespace
