#include "daemon/ctl/listing.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <iomanip>
#include <ostream>

#include <boost/json.hpp>

#include "daemon/ctl/json_times.hpp"

namespace gpwatch::ctl {

namespace json = boost::json;

namespace {

// Prints rows (the first is the header) in left-aligned columns as wide as their widest cell; the
// last column is not padded.
template <std::size_t N>
void print_columns(std::ostream& out, const std::vector<std::array<std::string, N>>& rows) {
    std::array<std::size_t, N> width{};
    for (const auto& r : rows)
        for (std::size_t i = 0; i < N; ++i) width[i] = std::max(width[i], r[i].size());
    for (const auto& r : rows) {
        for (std::size_t i = 0; i + 1 < N; ++i) out << std::left << std::setw(static_cast<int>(width[i] + 2)) << r[i];
        out << r[N - 1] << "\n";
    }
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out.empty() ? "-" : out;
}

// When the sender says it wrote it, as it says (1970, 0001 and 2099 included: a lying time is
// shown, not hidden); null only for what has no time of its own (an unreadable message, a drift).
boost::json::value written_at_of(const WriteRecord& w) {
    if (w.written_at == 0 && (w.review_state == "quarantined" || w.review_state.rfind("drift-", 0) == 0)) return nullptr;
    return boost::json::value(iso_utc_as_claimed(w.written_at));
}

}  // namespace

void print_writes_json(std::ostream& out, const std::vector<WriteRecord>& writes, const Pseudonymiser& p) {
    for (const auto& w : writes) {
        json::array reasons;
        for (const auto& r : w.reasons) reasons.emplace_back(r);
        json::array codes;
        for (const auto& c : w.codes)
            codes.push_back(json::object{{"system", c.system}, {"code", c.code}, {"display", c.display}});
        json::object o{
            {"id", w.id},
            {"feed", to_string(w.feed)},
            {"upstream_id", w.upstream_id},
            {"seq", w.first_seq},
            {"event", w.last_event},
            {"event_count", w.event_count},
            {"author_ods", w.author.ods},
            {"author_name", w.author.name},
            {"author_org_type", w.author.org_type},
            {"patient", p.pseudonym(w.nhs_number)},
            {"nhs_number_valid", w.nhs_number_valid},
            {"resource_type", w.resource_type},
            {"codes", std::move(codes)},
            {"nopat", w.nopat},
            {"written_at", written_at_of(w)},
            {"received_at", time_or_null(w.received_at)},
            {"deadline", time_or_null(w.deadline_at)},
            {"reasons", std::move(reasons)},
            {"review_state", w.review_state},
            {"reviewed_at", time_or_null(w.reviewed_at)},
            {"reviewed_by", w.reviewed_by},
        };
        if (!w.parse_error.empty()) o["parse_error"] = w.parse_error;
        // The sender's time could not be right: its arrival counts instead (review clock, LMC week).
        if (w.trusted_at != 0) o["trusted_at"] = iso_utc(w.trusted_at);
        out << json::serialize(o) << "\n";
    }
}

void print_writes_table(std::ostream& out, const std::vector<WriteRecord>& writes, const Pseudonymiser& p) {
    // Columns as wide as their widest value (Update Record ids are UUIDs), two spaces apart.
    std::vector<std::array<std::string, 7>> rows;
    rows.push_back({"ID", "ENTRY", "FROM", "PATIENT", "WRITTEN", "STATE", "REASONS"});
    for (const auto& w : writes)
        rows.push_back({std::to_string(w.id), w.upstream_id, w.author.ods.empty() ? "?" : w.author.ods,
                        p.pseudonym(w.nhs_number), written_at_of(w).is_null() ? "" : iso_utc_as_claimed(w.written_at),
                        w.review_state, join(w.reasons)});
    print_columns(out, rows);
    out << writes.size() << " write(s)\n";
}

void print_alerts_json(std::ostream& out, const std::vector<AlertRecord>& alerts) {
    for (const auto& a : alerts) {
        json::object o{
            {"id", a.alert.id},
            {"kind", a.alert.kind},  // write | internal (about gpwatchd; reason = condition) | digest
            {"reason", a.alert.kind == "internal" ? a.alert.rule : std::string(to_string(a.alert.reason))},
            {"severity", to_string(a.alert.severity)},
            {"write_id", a.alert.write_id},
            {"feed", a.feed},
            {"upstream_id", a.upstream_id},
            {"subject", a.alert.subject},
            {"created_at", time_or_null(a.alert.created_at)},
            {"delivery_state", to_string(a.alert.state)},
            {"attempts", a.alert.attempts},
            {"delivered_at", time_or_null(a.delivered_at)},
            {"last_error", a.last_error},
        };
        if (!a.alert.covers.empty()) {
            json::array covers;
            for (auto id : a.alert.covers) covers.push_back(id);
            o["covers"] = std::move(covers);
        }
        out << json::serialize(o) << "\n";
    }
}

void print_alerts_table(std::ostream& out, const std::vector<AlertRecord>& alerts) {
    std::vector<std::array<std::string, 6>> rows;
    rows.push_back({"ID", "REASON", "SEV", "WRITE", "DELIVERY", "SUBJECT"});
    // An internal alert's reason is its condition (mesh_delivery_report...), as in --json.
    for (const auto& a : alerts)
        rows.push_back({std::to_string(a.alert.id), reason_name(a.alert), to_string(a.alert.severity),
                        a.alert.write_id ? std::to_string(a.alert.write_id) : "-", to_string(a.alert.state),
                        a.alert.subject});
    print_columns(out, rows);
    out << alerts.size() << " alert(s)\n";
}

}  // namespace gpwatch::ctl

namespace gpwatch::ctl {

void print_mesh_json(std::ostream& out, const std::vector<MeshMessageRow>& rows) {
    for (const auto& r : rows) {
        json::object o{{"mesh_id", r.mesh_id},
                       {"message_type", r.message_type},
                       {"workflow_id", r.workflow_id},
                       {"sender_mailbox", r.sender_mailbox},
                       {"outcome", r.outcome},
                       {"upstream_id", r.upstream_id},
                       {"detail", r.detail},
                       {"linked_message_id", r.linked_message_id},
                       {"received_at", time_or_null(r.received_at)}};
        out << json::serialize(o) << "\n";
    }
}

void print_mesh_table(std::ostream& out, const std::vector<MeshMessageRow>& rows) {
    out << std::left << std::setw(34) << "MESH ID" << std::setw(8) << "TYPE" << std::setw(18) << "OUTCOME"
        << std::setw(14) << "FROM" << std::setw(22) << "RECEIVED" << "DETAIL\n";
    for (const auto& r : rows)
        out << std::setw(34) << r.mesh_id << std::setw(8) << r.message_type << std::setw(18) << r.outcome
            << std::setw(14) << r.sender_mailbox << std::setw(22) << iso_utc(r.received_at)
            << (r.detail.empty() ? r.upstream_id : r.detail) << "\n";
    if (rows.empty()) out << "no MESH message received yet\n";
}

}  // namespace gpwatch::ctl
