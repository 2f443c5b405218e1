#include "daemon/ctl/listing.hpp"

#include <ctime>
#include <iomanip>
#include <ostream>

#include <boost/json.hpp>

namespace gpwatch::ctl {

namespace json = boost::json;

namespace {

std::string iso_utc(std::int64_t t) {
    if (t <= 0) return "";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json::value time_or_null(std::int64_t t) {
    if (t <= 0) return nullptr;
    return json::value(iso_utc(t));
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out.empty() ? "-" : out;
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
            {"written_at", time_or_null(w.written_at)},
            {"received_at", time_or_null(w.received_at)},
            {"deadline", time_or_null(w.deadline_at)},
            {"reasons", std::move(reasons)},
            {"review_state", w.review_state},
            {"reviewed_at", time_or_null(w.reviewed_at)},
            {"reviewed_by", w.reviewed_by},
        };
        if (!w.parse_error.empty()) o["parse_error"] = w.parse_error;
        out << json::serialize(o) << "\n";
    }
}

void print_writes_table(std::ostream& out, const std::vector<WriteRecord>& writes, const Pseudonymiser& p) {
    out << std::left << std::setw(6) << "ID" << std::setw(18) << "ENTRY" << std::setw(8) << "FROM"
        << std::setw(16) << "PATIENT" << std::setw(22) << "WRITTEN" << std::setw(12) << "STATE"
        << "REASONS\n";
    for (const auto& w : writes) {
        out << std::left << std::setw(6) << w.id << std::setw(18) << w.upstream_id << std::setw(8)
            << (w.author.ods.empty() ? "?" : w.author.ods) << std::setw(16) << p.pseudonym(w.nhs_number)
            << std::setw(22) << iso_utc(w.written_at) << std::setw(12) << w.review_state
            << join(w.reasons) << "\n";
    }
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
    out << std::left << std::setw(6) << "ID" << std::setw(22) << "REASON" << std::setw(8) << "SEV"
        << std::setw(7) << "WRITE" << std::setw(11) << "DELIVERY" << "SUBJECT\n";
    for (const auto& a : alerts) {
        out << std::left << std::setw(6) << a.alert.id << std::setw(22) << to_string(a.alert.reason)
            << std::setw(8) << to_string(a.alert.severity) << std::setw(7) << a.alert.write_id
            << std::setw(11) << to_string(a.alert.state) << a.alert.subject << "\n";
    }
    out << alerts.size() << " alert(s)\n";
}

void print_status_json(std::ostream& out, const LedgerStatus& st, const std::optional<ReportCounts>& reports) {
    json::object cursors;
    for (const auto& [feed, seq] : st.cursors) cursors[feed] = seq;
    json::object o{
        {"cursors", std::move(cursors)},
        {"writes", st.writes},
        {"unreviewed", st.unreviewed},
        {"overdue", st.overdue},
        {"quarantined", st.quarantined},
        {"alerts_pending", st.alerts_pending},
        {"alerts_delivered", st.alerts_delivered},
        {"alerts_failed", st.alerts_failed},
    };
    if (reports)
        o["reporting"] = json::object{{"pending", reports->pending},
                                      {"delivered", reports->delivered},
                                      {"failed", reports->failed},
                                      {"unsent", reports->unsent}};
    out << json::serialize(o) << "\n";
}

void print_status_text(std::ostream& out, const LedgerStatus& st, const std::optional<ReportCounts>& reports) {
    for (const auto& [feed, seq] : st.cursors) out << "feed " << feed << ": durable up to seq " << seq << "\n";
    if (st.cursors.empty()) out << "no feed event recorded yet\n";
    out << "writes: " << st.writes << " (" << st.unreviewed << " unreviewed, " << st.overdue
        << " of them overdue; " << st.quarantined << " quarantined)\n";
    out << "alerts: " << st.alerts_delivered << " delivered, " << st.alerts_pending << " pending, "
        << st.alerts_failed << " failed\n";
    if (reports)
        out << "lmc reports: " << reports->delivered << " delivered, " << reports->pending << " pending, "
            << reports->failed << " failed, " << reports->unsent << " unsent (no upload configured)\n";
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
