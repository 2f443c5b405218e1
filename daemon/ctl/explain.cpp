#include "daemon/ctl/explain.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>
#include <date/date.h>

#include "connectors/clinical_feed/feed_message_parser.hpp"
#include "connectors/mesh/mesh_message.hpp"
#include "daemon/alerts/verdict_words.hpp"
#include "daemon/app/mesh_intake.hpp"
#include "daemon/policy/policy.hpp"

namespace gpwatch::ctl {

namespace json = boost::json;

namespace {

// Bigger than any Update Record the daemon accepts by default: such a file is refused unread.
constexpr std::uintmax_t kMaxFileBytes = 64 * 1024 * 1024;

// An admin may paste explain's output into a ticket: show enough of the NHS number to match it
// against the clinical system, not enough to identify anyone.
std::string masked(const std::string& nhs_number) {
    if (nhs_number.size() <= 3) return nhs_number.empty() ? "" : "***";
    return std::string(nhs_number.size() - 3, '*') + nhs_number.substr(nhs_number.size() - 3);
}

std::string iso(SysSeconds t) {
    if (t == SysSeconds{}) return "";
    return date::format("%FT%TZ", t);
}

const char* action_name(policy::Decision::Action a) {
    using A = policy::Decision::Action;
    switch (a) {
        case A::ignore: return "ignore";
        case A::track_write: return "track-write";
        case A::quarantine: return "quarantine";
        case A::close_review: return "close-review";
        case A::patient_flags: return "patient-flags";
        case A::processor_change: return "processor-change";
        case A::record_only: return "record-only";
    }
    return "?";
}

json::array codings(const std::vector<Coding>& cs) {
    json::array a;
    for (const auto& c : cs) {
        json::object o{{"system", c.system}, {"code", c.code}, {"display", c.display}};
        if (!c.resource.empty()) o["resource"] = c.resource;
        a.push_back(std::move(o));
    }
    return a;
}

json::object write_json(const RecordEvent& ev) {
    json::object w{
        {"feed", to_string(ev.feed)},
        {"kind", to_string(ev.kind)},
        {"id", ev.entry_id},
        {"time", iso(ev.time)},
        {"author_ods", ev.author.ods},
        {"author_name", ev.author.name},
        {"author_type", ev.author.org_type},
        {"route", ev.route},
        {"resource_type", ev.resource_type},
        {"nhs_number_masked", masked(ev.nhs_number)},
        {"nhs_number_valid", ev.nhs_number_valid},
        {"nopat", ev.nopat},
        {"codes", codings(ev.codes)},
    };
    if (ev.feed == Feed::update_record) {
        w["document_id"] = ev.update_record.document_id;
        w["sender_mailbox"] = ev.update_record.sender_mailbox;
        w["service_code"] = ev.update_record.service_code;
        w["service_display"] = ev.update_record.service_display;
        w["encounter_time"] = iso(ev.update_record.encounter_time);
        w["replaces"] = ev.update_record.replaces;
        w["medicines"] = codings(ev.medicines);
        w["flags"] = codings(ev.flags);
    }
    if (is_review_event(ev.kind)) {
        w["item_kind"] = ev.item_kind;
        w["item_id"] = ev.item_id;
    }
    if (ev.kind == EventKind::sharing_changed) {
        w["setting"] = ev.setting;
        w["value"] = ev.setting_value;
        w["setting_ods"] = ev.setting_ods;
        w["setting_agreement"] = ev.setting_agreement;
        w["changed_by"] = ev.changed_by_name.empty() ? ev.changed_by_kind : ev.changed_by_name;
    }
    if (ev.kind == EventKind::patient_flags) {
        w["flags_added"] = codings(ev.flags_added);
        w["flags_removed"] = codings(ev.flags_removed);
    }
    return w;
}

// A JSON file holding a clinical-feed frame ({"type":"event",...}) rather than a FHIR resource.
bool looks_like_feed_event(const std::string& bytes) {
    boost::system::error_code ec;
    auto v = json::parse(bytes, ec);
    if (ec || !v.is_object()) return false;
    const auto& o = v.as_object();
    return o.contains("event") && !o.contains("resourceType");
}

struct Read {
    bool ok = false;
    RecordEvent event;
    std::string error;
};

Read read_file(const std::string& path, const Settings& settings) {
    Read r;
    namespace fs = std::filesystem;
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) {
        r.error = "cannot read " + path + ": " + ec.message();
        return r;
    }
    if (size > kMaxFileBytes) {
        r.error = path + " is " + std::to_string(size) + " bytes; explain reads at most " +
                  std::to_string(kMaxFileBytes);
        return r;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (!in && !in.eof()) {
        r.error = "cannot read " + path;
        return r;
    }
    const std::string bytes = buf.str();

    if (looks_like_feed_event(bytes)) {
        clinical_feed::FeedMessageParser parser;
        auto msg = parser.parse(bytes);
        if (auto* ev = std::get_if<RecordEvent>(&msg)) {
            r.ok = true;
            r.event = std::move(*ev);
        } else if (auto* bad = std::get_if<clinical_feed::Malformed>(&msg)) {
            r.error = "not a valid clinical-feed event: " + bad->why;
        } else {
            r.error = "a clinical-feed frame, but not an event";
        }
        return r;
    }
    // Everything else is read as the body of a MESH Update Record message.
    mesh::MeshMessage m;
    m.message_id = fs::path(path).filename().string();
    m.workflow_id = kUpdateRecordWorkflow;
    m.body = bytes;
    const update_record::ParseLimits limits;  // the daemon's (mesh_inlet.cpp)
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    r.event = mesh_to_event(m, settings.practice_ods, now, limits);
    if (r.event.kind == EventKind::unparseable) {
        r.error = "not a readable Update Record message: " + r.event.parse_error;
        return r;
    }
    r.ok = true;
    return r;
}

}  // namespace

int explain_files(const Settings& settings, const std::vector<std::string>& files, std::ostream& out,
                  std::ostream& err) {
    int rc = 0;
    for (const auto& path : files) {
        auto r = read_file(path, settings);
        json::object o{{"file", path}, {"parsed", r.ok}};
        if (!r.ok) {
            rc = 1;
            o["error"] = r.error;
            err << "gpwatchctl explain: " << path << ": " << r.error << "\n";
        }
        // An unparseable message is still a write the daemon quarantines and alerts on: show that too.
        if (r.ok || r.event.kind == EventKind::unparseable) {
            auto d = policy::evaluate(settings, r.event);
            if (r.event.kind == EventKind::not_update_record) o["note"] = "not an Update Record: " + r.event.parse_error;
            o["write"] = write_json(r.event);
            o["decision"] = action_name(d.action);
            if (d.action == policy::Decision::Action::track_write) o["review_within_s"] = d.review_within.count();
            json::array verdicts;
            for (const auto& v : d.verdicts) {
                json::object jv{{"reason", to_string(v.reason)}, {"severity", to_string(v.severity)},
                                {"detail", alerts::verdict_words(settings, v)}};
                if (!v.rule.empty()) jv["rule"] = v.rule;
                verdicts.push_back(std::move(jv));
            }
            o["verdicts"] = std::move(verdicts);
        }
        out << json::serialize(o) << "\n";
    }
    return rc;
}

}  // namespace gpwatch::ctl
