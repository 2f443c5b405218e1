#include "sim/clinical/task_inbox.hpp"

#include <cctype>
#include <cstdio>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sim/common/journal.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxTitle = 500;
constexpr std::size_t kMaxText = 32 * 1024;
constexpr std::size_t kMaxKey = 200;

TaskReply refuse(const std::string& field, const std::string& why) {
    return {400, json::serialize(json::object{{"error", field + ": " + why}, {"field", field}})};
}

// The string at `field`, or an error in `why` (empty result and non-empty why).
const json::string* string_field(const json::object& o, const char* field, std::size_t max, bool allow_empty,
                                 std::string& why) {
    const auto* v = o.if_contains(field);
    if (!v) {
        why = "missing";
        return nullptr;
    }
    if (!v->is_string()) {
        why = "must be a string";
        return nullptr;
    }
    const auto& s = v->as_string();
    if (!allow_empty && s.empty()) {
        why = "must not be empty";
        return nullptr;
    }
    if (s.size() > max) {
        why = "longer than " + std::to_string(max) + " characters";
        return nullptr;
    }
    return &s;
}

}  // namespace

TaskInbox::TaskInbox(std::string practice, Journal* journal) : practice_(std::move(practice)), journal_(journal) {}

TaskReply TaskInbox::submit(std::string_view body) {
    boost::system::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (ec) return refuse("body", "not JSON (" + ec.message() + ")");
    if (!parsed.is_object()) return refuse("body", "must be a JSON object");
    const json::object& task = parsed.as_object();

    std::string why;
    const json::string* practice = string_field(task, "practice", 16, false, why);
    if (!practice) return refuse("practice", why);
    if (*practice != practice_) return refuse("practice", "this clinical system holds practice " + practice_);
    if (!string_field(task, "list", 100, false, why)) return refuse("list", why);
    const json::string* priority = string_field(task, "priority", 16, false, why);
    if (!priority) return refuse("priority", why);
    if (*priority != "urgent" && *priority != "high" && *priority != "routine")
        return refuse("priority", "must be urgent, high or routine");
    if (!string_field(task, "title", kMaxTitle, false, why)) return refuse("title", why);
    if (!string_field(task, "body", kMaxText, true, why)) return refuse("body", why);
    const json::string* key = string_field(task, "dedupe_key", kMaxKey, false, why);
    if (!key) return refuse("dedupe_key", why);
    // "patient" may be absent (a task about no patient); when present it names one by NHS number.
    if (const auto* patient = task.if_contains("patient")) {
        if (!patient->is_object()) return refuse("patient", "must be an object");
        const json::string* nhs = string_field(patient->as_object(), "nhs_number", 10, false, why);
        if (!nhs) return refuse("patient.nhs_number", why);
        bool ten_digits = nhs->size() == 10;
        for (char c : *nhs) ten_digits = ten_digits && std::isdigit(static_cast<unsigned char>(c));
        if (!ten_digits) return refuse("patient.nhs_number", "must be 10 digits");
    }

    if (auto found = by_dedupe_key_.find(std::string(*key)); found != by_dedupe_key_.end()) {
        // The first task stands, as in the clinical system; the journal still shows the repeat, so
        // a test can tell a resend the key absorbed from a task sent once.
        if (journal_)
            journal_->append(json::serialize(
                json::object{{"type", "task_repeated"}, {"task_id", found->second}, {"dedupe_key", *key}}));
        return {200, json::serialize(json::object{{"task_id", found->second}})};
    }

    char id[32];
    std::snprintf(id, sizeof id, "task-%06llu", static_cast<unsigned long long>(next_id_++));
    by_dedupe_key_.emplace(std::string(*key), id);
    if (journal_) {
        json::object line;
        line["type"] = "task";
        line["task_id"] = id;
        for (const auto& member : task) line[member.key()] = member.value();
        journal_->append(json::serialize(line));
    }
    return {201, json::serialize(json::object{{"task_id", id}})};
}

}  // namespace gpwatch::sim
