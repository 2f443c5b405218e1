#include "connectors/clinical_feed/feed_message_parser.hpp"

#include <charconv>

#include <boost/json.hpp>
#include <date/date.h>

#include "proto/nhs_number.hpp"

namespace gpwatch::clinical_feed {

namespace json = boost::json;

namespace {

std::string_view str_at(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) return {};
    return it->value().get_string();
}

const json::object* obj_at(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_object()) return nullptr;
    return &it->value().get_object();
}

bool seq_at(const json::object& o, std::uint64_t& out) {
    auto it = o.find("seq");
    if (it == o.end()) return false;
    const auto& v = it->value();
    if (v.is_uint64()) { out = v.get_uint64(); return true; }
    if (v.is_int64() && v.get_int64() >= 0) { out = static_cast<std::uint64_t>(v.get_int64()); return true; }
    return false;
}

EventKind kind_from(std::string_view s) {
    if (s == "entry.created") return EventKind::entry_created;
    if (s == "entry.amended") return EventKind::entry_amended;
    if (s == "entry.entered-in-error") return EventKind::entry_entered_in_error;
    if (s == "workflow.filed") return EventKind::workflow_filed;
    if (s == "workflow.rejected") return EventKind::workflow_rejected;
    if (s == "sharing.changed") return EventKind::sharing_changed;
    if (s == "patient.flags") return EventKind::patient_flags;
    return EventKind::other;
}

// Every coding anywhere in a FHIR resource ("coding": [{system, code, display}]), so a new resource
// type or a code in an unexpected element is still seen by the content rules.
void collect_codings(const json::value& v, const std::string& resource, std::vector<Coding>& out,
                     int depth) {
    if (depth > 32) return;  // FHIR resources are shallow; anything deeper is not worth walking
    if (v.is_array()) {
        for (const auto& e : v.get_array()) collect_codings(e, resource, out, depth + 1);
        return;
    }
    if (!v.is_object()) return;
    const auto& o = v.get_object();
    for (const auto& [key, value] : o) {
        if (key == "coding" && value.is_array()) {
            for (const auto& c : value.get_array()) {
                if (!c.is_object()) continue;
                const auto& co = c.get_object();
                auto code = str_at(co, "code");
                if (code.empty()) continue;
                out.push_back(Coding{std::string(str_at(co, "system")), std::string(code),
                                     std::string(str_at(co, "display")), resource});
            }
        } else if (key != "meta") {
            collect_codings(value, resource, out, depth + 1);
        }
    }
}

bool has_nopat(const json::object& resource) {
    const auto* meta = obj_at(resource, "meta");
    if (!meta) return false;
    auto it = meta->find("security");
    if (it == meta->end() || !it->value().is_array()) return false;
    for (const auto& s : it->value().get_array())
        if (s.is_object() && str_at(s.get_object(), "code") == "NOPAT") return true;
    return false;
}

Malformed parse_entry(const json::object& entry, RecordEvent& ev) {
    ev.entry_id = std::string(str_at(entry, "id"));
    if (ev.entry_id.empty()) return {"entry.id is missing", ev.seq};
    if (const auto* patient = obj_at(entry, "patient")) {
        ev.nhs_number = std::string(str_at(*patient, "nhs_number"));
        ev.nhs_number_valid = nhs_number_is_valid(ev.nhs_number);
    }
    const auto* author = obj_at(entry, "author");
    if (!author) return {"entry.author is missing", ev.seq};
    ev.author.ods = std::string(str_at(*author, "ods"));
    if (ev.author.ods.empty()) return {"entry.author.ods is missing", ev.seq};
    ev.author.name = std::string(str_at(*author, "name"));
    ev.author.org_type = std::string(str_at(*author, "org_type"));
    ev.author.user_role = std::string(str_at(*author, "user_role"));
    ev.author.user_id = std::string(str_at(*author, "user_id"));
    ev.route = std::string(str_at(entry, "route"));
    if (const auto* resource = obj_at(entry, "resource")) {
        ev.resource_type = std::string(str_at(*resource, "resourceType"));
        collect_codings(*resource, ev.resource_type, ev.codes, 0);
        ev.nopat = has_nopat(*resource);
    } else if (ev.kind != EventKind::entry_entered_in_error) {
        return {"entry.resource is missing", ev.seq};
    }
    return {};
}

Malformed parse_review(const json::object& o, RecordEvent& ev) {
    const auto* item = obj_at(o, "item");
    if (!item) return {"item is missing", ev.seq};
    ev.item_kind = std::string(str_at(*item, "kind"));
    ev.item_id = std::string(str_at(*item, "id"));
    if (ev.item_id.empty()) return {"item.id is missing", ev.seq};
    if (const auto* by = obj_at(o, "by")) {
        ev.reviewer.user_id = std::string(str_at(*by, "user_id"));
        ev.reviewer.user_role = std::string(str_at(*by, "user_role"));
        ev.reviewer.name = std::string(str_at(*by, "name"));
    }
    return {};
}

// sharing.changed: the processor's configuration as the clinical system now reports it.
Malformed parse_sharing(const json::object& o, RecordEvent& ev) {
    ev.setting = std::string(str_at(o, "setting"));
    ev.setting_value = std::string(str_at(o, "value"));
    if (ev.setting.empty()) return {"sharing.changed without a \"setting\"", ev.seq};
    if (ev.setting_value.empty()) return {"sharing.changed without a \"value\"", ev.seq};
    ev.setting_ods = std::string(str_at(o, "ods"));
    ev.setting_agreement = std::string(str_at(o, "agreement"));
    if (ev.setting == "share-in" && ev.setting_ods.empty())
        return {"sharing.changed share-in without the organisation's \"ods\"", ev.seq};
    if (ev.setting == "agreement" && ev.setting_agreement.empty())
        return {"sharing.changed agreement without the \"agreement\" name", ev.seq};
    if (const auto* by = obj_at(o, "changed_by")) {
        ev.changed_by_kind = std::string(str_at(*by, "kind"));
        ev.changed_by_name = std::string(str_at(*by, "name"));
        ev.changed_by_user_id = std::string(str_at(*by, "user_id"));
    }
    return {};
}

void collect_flags(const json::object& o, const char* key, std::vector<Coding>& out) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_array()) return;
    for (const auto& c : it->value().get_array()) {
        if (!c.is_object()) continue;
        const auto& co = c.get_object();
        auto code = str_at(co, "code");
        if (code.empty()) continue;
        out.push_back(Coding{std::string(str_at(co, "system")), std::string(code), std::string(str_at(co, "display")),
                             "Flag"});
    }
}

// patient.flags: codes added to and removed from one patient's record flags.
Malformed parse_patient_flags(const json::object& o, RecordEvent& ev) {
    const auto* patient = obj_at(o, "patient");
    if (!patient) return {"patient.flags without \"patient\"", ev.seq};
    ev.nhs_number = std::string(str_at(*patient, "nhs_number"));
    if (ev.nhs_number.empty()) return {"patient.flags without patient.nhs_number", ev.seq};
    ev.nhs_number_valid = nhs_number_is_valid(ev.nhs_number);
    collect_flags(o, "added", ev.flags_added);
    collect_flags(o, "removed", ev.flags_removed);
    return {};
}

FeedMessage parse_event(const json::object& o) {
    RecordEvent ev;
    ev.feed = Feed::clinical;
    if (!seq_at(o, ev.seq) || ev.seq == 0) return Malformed{"event without a positive seq", 0};
    auto kind_text = str_at(o, "event");
    if (kind_text.empty()) return Malformed{"event without an \"event\" name", ev.seq};
    ev.kind = kind_from(kind_text);
    ev.practice = std::string(str_at(o, "practice"));
    if (!parse_rfc3339(str_at(o, "time"), ev.time))
        return Malformed{"event time is not RFC 3339 with an offset", ev.seq};

    Malformed problem;
    if (is_entry_event(ev.kind)) {
        const auto* entry = obj_at(o, "entry");
        if (!entry) return Malformed{"entry event without \"entry\"", ev.seq};
        problem = parse_entry(*entry, ev);
    } else if (is_review_event(ev.kind)) {
        problem = parse_review(o, ev);
    } else if (ev.kind == EventKind::sharing_changed) {
        problem = parse_sharing(o, ev);
    } else if (ev.kind == EventKind::patient_flags) {
        problem = parse_patient_flags(o, ev);
    }
    if (!problem.why.empty()) return problem;
    return ev;
}

int digits(std::string_view s, std::size_t pos, std::size_t n, bool& ok) {
    int v = 0;
    if (pos + n > s.size()) { ok = false; return 0; }
    auto r = std::from_chars(s.data() + pos, s.data() + pos + n, v);
    if (r.ec != std::errc{} || r.ptr != s.data() + pos + n) ok = false;
    return v;
}

}  // namespace

bool parse_rfc3339(std::string_view s, SysSeconds& out) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return false;
    bool ok = true;
    int y = digits(s, 0, 4, ok), mo = digits(s, 5, 2, ok), d = digits(s, 8, 2, ok);
    int h = digits(s, 11, 2, ok), mi = digits(s, 14, 2, ok), se = digits(s, 17, 2, ok);
    if (!ok) return false;
    std::size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start) return false;
    }
    if (pos >= s.size()) return false;
    int offset_minutes = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        if (pos + 6 != s.size() || s[pos + 3] != ':') return false;
        int oh = digits(s, pos + 1, 2, ok), om = digits(s, pos + 4, 2, ok);
        if (!ok || oh > 23 || om > 59) return false;
        offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
        pos += 6;
    } else {
        return false;
    }
    if (pos != s.size()) return false;
    date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                             date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return false;
    auto local = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                 std::chrono::seconds{se};
    out = SysSeconds{local - std::chrono::minutes{offset_minutes}};
    return true;
}

FeedMessageParser::FeedMessageParser()
    : parser_(json::storage_ptr{}, json::parse_options{}, buffer_, sizeof buffer_) {}

FeedMessage FeedMessageParser::parse(std::string_view frame) {
    // Values are allocated from a buffer reused for every frame (heap only for a large frame):
    // the event copies what it keeps, so nothing outlives this call.
    json::monotonic_resource mr(value_buffer_, sizeof value_buffer_);
    parser_.reset(json::storage_ptr(&mr));
    boost::system::error_code ec;
    parser_.write(frame.data(), frame.size(), ec);
    if (ec) return Malformed{"not JSON: " + ec.message(), 0};
    json::value v = parser_.release();
    if (!v.is_object()) return Malformed{"frame is not a JSON object", 0};
    const auto& o = v.get_object();
    auto type = str_at(o, "type");
    if (type == "event") return parse_event(o);
    if (type == "heartbeat") {
        Heartbeat hb;
        seq_at(o, hb.latest_seq);
        return hb;
    }
    if (type == "error") return ServerError{std::string(str_at(o, "message"))};
    return Unrecognised{std::string(type)};
}

}  // namespace gpwatch::clinical_feed
