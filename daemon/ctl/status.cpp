#include "daemon/ctl/status.hpp"

#include <ostream>

#include <boost/json.hpp>
#include <date/date.h>
#include <date/tz.h>

#include "daemon/ctl/json_times.hpp"
#include "daemon/ledger/delivery_ledger.hpp"
#include "daemon/ledger/report_ledger.hpp"
#include "daemon/status/runtime_status.hpp"
#include "proto/internal_conditions.hpp"

namespace gpwatch::ctl {

namespace json = boost::json;

namespace {

// "18:01:02 (3 s ago)" in the practice's zone; "never" for 0.
std::string when(const std::string& zone, std::int64_t t, std::int64_t now) {
    if (t <= 0) return "never";
    std::string local;
    try {
        local = date::format("%a %d %b %H:%M:%S", date::zoned_seconds(date::locate_zone(zone),
                                                                      date::sys_seconds{std::chrono::seconds{t}}));
    } catch (const std::exception&) {
        local = iso_utc(t);
    }
    const auto ago = now - t;
    std::string rel = ago < 0      ? "in the future"
                      : ago < 120  ? std::to_string(ago) + " s ago"
                      : ago < 7200 ? std::to_string(ago / 60) + " min ago"
                                   : std::to_string(ago / 3600) + " h ago";
    return local + " (" + rel + ")";
}

struct ReportCounts {
    std::int64_t pending = 0, delivered = 0, failed = 0, unsent = 0;
};

std::optional<ReportCounts> report_counts(Ledger& ledger, const Settings* settings) {
    ReportCounts c;
    const auto rows = ReportLedger(ledger).list();
    if (rows.empty() && !(settings && settings->reporting.enabled)) return std::nullopt;
    for (const auto& r : rows) {
        if (r.state == "pending") ++c.pending;
        else if (r.state == "delivered") ++c.delivered;
        else if (r.state == "failed") ++c.failed;
        else if (r.state == "unsent") ++c.unsent;
    }
    return c;
}

// What gpwatchd is doing, as the lock and the status file tell it.
struct DaemonView {
    bool running = false;     // holds the lock
    bool responding = false;  // and rewrote the status file recently
    bool starting = false;    // holds the lock, has not written its status file yet
    long pid = 0;             // the running one's, else the last one's
    std::optional<status::RuntimeStatus> status;
    std::int64_t status_age = -1;
    std::string state;        // running | degraded | starting | stopping | not responding | stopped | never started
};

DaemonView view_of(const std::string& state_dir, std::int64_t now) {
    DaemonView v;
    v.running = status::daemon_running(state_dir);
    const long holder = v.running ? status::lock_holder(state_dir) : 0;
    v.status = status::read_status_file(status::status_path(state_dir));
    if (v.status) v.status_age = now - v.status->updated_at;
    // The lock is held by a process the status file is not from (or that has not yet written its
    // pid): a new gpwatchd that has not yet written its first status (opening the ledger), while
    // the file still tells of the last one.
    v.starting = v.running && (!v.status || holder == 0 || v.status->pid != holder);
    // Three missed rewrites: the loop is not turning (or the disk refuses the file).
    const auto stale_after = v.status ? std::max<std::int64_t>(3 * v.status->every_s, 15) : 15;
    v.responding = v.running && !v.starting && v.status && v.status_age <= stale_after;
    if (!v.running) v.state = v.status ? "stopped" : "never started";
    else if (v.starting) v.state = "starting";
    else if (!v.responding) v.state = "not responding";
    else v.state = v.status->state;
    v.pid = v.starting ? holder : v.status ? v.status->pid : holder;
    return v;
}

// The conditions on: those the ledger records, and the ledger's own refusal to take writes, which
// it cannot record while it lasts (gpwatchd tells the sinks directly and says so in its status).
std::vector<InternalCondition> conditions_on(Ledger& ledger, const DaemonView& v) {
    auto on = DeliveryLedger(ledger).active_conditions();
    if (v.responding && v.status && !v.status->ledger_writable) {
        InternalCondition c;
        c.condition = condition::ledger_write_failed;
        c.active = true;
        c.since = v.status->ledger_failed_since;
        c.detail = "the ledger refuses writes: " + v.status->ledger_error +
                   " (not recorded in the ledger until it takes writes again)";
        on.insert(on.begin(), std::move(c));
    }
    return on;
}

}  // namespace

void print_status(std::ostream& out, Ledger& ledger, const Settings* settings, const std::string& state_dir, bool as_json,
                  std::int64_t now) {
    const auto st = ledger.status();
    const auto d = DeliveryLedger(ledger).status(now);
    const auto reports = report_counts(ledger, settings);
    const auto v = view_of(state_dir, now);
    const auto conditions = conditions_on(ledger, v);
    const std::string zone = settings ? settings->calendar.time_zone : "Europe/London";
    const bool upload_configured = settings && settings->reporting.upload.has_value();

    if (as_json) {
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
        json::object daemon{{"running", v.running}, {"responding", v.responding}, {"state", v.state},
                            {"status_age_s", v.status_age}, {"pid", v.pid}};
        // What the status file says is live only while gpwatchd keeps rewriting it. Otherwise it is
        // the last gpwatchd's word (`stale`, as of `status_updated_at`), and nothing in it is
        // reported as connected or healthy now.
        const bool live = v.responding;
        daemon["stale"] = !live;
        if (v.status) {
            const auto& s = *v.status;
            json::array problems;
            for (const auto& p : s.problems) problems.emplace_back(p);
            daemon["version"] = s.version;
            daemon["started_at"] = time_or_null(s.started_at);
            daemon["status_updated_at"] = time_or_null(s.updated_at);
            daemon["problems"] = std::move(problems);
            daemon["deadlines_loaded"] = s.deadlines_loaded;
            daemon["review_clock"] = s.review_clock;
            daemon["ledger_writable"] = s.ledger_writable;
            daemon["ledger_error"] = s.ledger_error;
            // The feed and MESH as gpwatchd last saw them.
            const auto& f = s.feed;
            o["feed"] = json::object{{"enabled", f.enabled},
                                     {"connected", live && f.connected},
                                     {"delivered_seq", f.delivered_seq},
                                     {"last_event_at", time_or_null(f.last_event_at)},
                                     {"last_heartbeat_at", time_or_null(f.last_heartbeat_at)},
                                     {"last_error", f.last_error},
                                     {"last_error_at", time_or_null(f.last_error_at)},
                                     {"connects", f.connects},
                                     {"disconnects", f.disconnects},
                                     {"events", f.events},
                                     {"gaps", f.gaps},
                                     {"malformed", f.malformed}};
            const auto& m = s.mesh;
            o["mesh"] = json::object{{"enabled", m.enabled},
                                     {"healthy", live && m.healthy},
                                     {"mailbox", m.mailbox},
                                     {"last_poll_at", time_or_null(m.last_poll_at)},
                                     {"last_error", m.last_error},
                                     {"last_error_at", time_or_null(m.last_error_at)},
                                     {"polls", m.polls},
                                     {"downloads", m.downloads},
                                     {"acks", m.acks},
                                     {"errors", m.errors},
                                     {"in_flight", live ? m.in_flight : 0}};
            json::array sinks;
            for (const auto& k : s.sinks)
                sinks.push_back(json::object{{"name", k.name},
                                             {"type", k.type},
                                             {"in_flight", live && k.in_flight},
                                             {"refusing_until", time_or_null(k.down_until > s.updated_at ? k.down_until : 0)},
                                             {"last_error", k.last_error},
                                             {"flood_held_until", time_or_null(k.flood_hold_until > s.updated_at ? k.flood_hold_until : 0)},
                                             {"delivered", k.delivered},
                                             {"retried", k.retried},
                                             {"failed", k.failed},
                                             {"flood_digests", k.flood_digests}});
            o["sinks"] = std::move(sinks);
        }
        o["daemon"] = std::move(daemon);
        json::array per_sink;
        for (const auto& k : d.sinks)
            per_sink.push_back(json::object{{"sink", k.sink}, {"pending", k.pending}, {"delivered", k.delivered},
                                            {"failed", k.failed}, {"digested", k.digested}});
        o["delivery"] = json::object{{"deliveries_pending", d.deliveries_pending},
                                     {"deliveries_waiting", d.deliveries_waiting},
                                     {"oldest_pending_created_at", time_or_null(d.oldest_pending_created_at)},
                                     {"oldest_failing_since", time_or_null(d.oldest_failing_since)},
                                     {"alerts_silenced", d.alerts_silenced},
                                     {"silences_active", d.silences_active},
                                     {"internal_conditions_on", static_cast<std::int64_t>(conditions.size())},
                                     {"per_sink", std::move(per_sink)}};
        json::array on;
        for (const auto& c : conditions) on.emplace_back(c.condition);
        o["conditions"] = std::move(on);
        if (reports)
            o["reporting"] = json::object{{"pending", reports->pending},
                                          {"delivered", reports->delivered},
                                          {"failed", reports->failed},
                                          {"unsent", reports->unsent},
                                          {"upload_configured", upload_configured}};
        out << json::serialize(o) << "\n";
        return;
    }

    // Text, for people.
    if (v.starting) {
        out << "gpwatchd: starting (" << (v.pid > 0 ? "pid " + std::to_string(v.pid) + ", " : std::string())
            << "opening the ledger; not yet reporting)\n";
    } else if (!v.running) {
        out << "gpwatchd: not running";
        if (v.status) out << " (last seen " << when(zone, v.status->updated_at, now) << ", pid " << v.status->pid << ")";
        out << "\n";
    } else if (!v.responding) {
        out << "gpwatchd: NOT RESPONDING: it holds the state directory but has not reported for "
            << (v.status_age < 0 ? std::string("ever") : std::to_string(v.status_age) + " s")
            << " (pid " << (v.status ? std::to_string(v.status->pid) : "?") << ")\n";
    } else {
        const auto& s = *v.status;
        out << "gpwatchd: " << s.state << " (pid " << s.pid << ", version " << s.version << ", since "
            << when(zone, s.started_at, now) << ")\n";
        for (const auto& p : s.problems) out << "  problem: " << p << "\n";
        out << "review clock: " << s.review_clock << " open writes"
            << (s.deadlines_loaded ? "" : " (still loading their deadlines from the ledger)") << "\n";
        if (!s.ledger_writable) out << "ledger: REFUSES WRITES: " << s.ledger_error << "\n";
        const auto& f = s.feed;
        if (!f.enabled) {
            out << "feed clinical: disabled in the settings\n";
        } else {
            out << "feed clinical: " << (f.connected ? "connected" : "NOT CONNECTED") << "; last event "
                << when(zone, f.last_event_at, now) << "; last heartbeat " << when(zone, f.last_heartbeat_at, now)
                << "; " << f.events << " events, " << f.connects << " connects, " << f.disconnects << " disconnects\n";
            if (!f.last_error.empty())
                out << "  last disconnect " << when(zone, f.last_error_at, now) << ": " << f.last_error << "\n";
        }
        const auto& m = s.mesh;
        if (!m.enabled) {
            out << "mesh: not configured\n";
        } else {
            out << "mesh " << m.mailbox << ": " << (m.healthy ? "working" : "NOT WORKING") << "; last poll "
                << when(zone, m.last_poll_at, now) << "; " << m.downloads << " downloaded, " << m.acks
                << " acknowledged, " << m.errors << " errors\n";
            if (!m.last_error.empty())
                out << "  last error " << when(zone, m.last_error_at, now) << ": " << m.last_error << "\n";
        }
        for (const auto& k : s.sinks) {
            out << "sink " << k.name << " (" << k.type << "): " << k.delivered << " delivered, " << k.retried
                << " retried, " << k.failed << " failed";
            if (k.in_flight) out << "; delivering";
            if (k.down_until > s.updated_at) out << "; REFUSING until " << when(zone, k.down_until, now) << ": " << k.last_error;
            if (k.flood_hold_until > s.updated_at)
                out << "; flood: alerts held for a digest until " << when(zone, k.flood_hold_until, now);
            out << "\n";
        }
    }
    for (const auto& [feed, seq] : st.cursors) out << "feed " << feed << ": durable up to seq " << seq << "\n";
    if (st.cursors.empty()) out << "no feed event recorded yet\n";
    out << "writes: " << st.writes << " (" << st.unreviewed << " unreviewed, " << st.overdue
        << " of them overdue; " << st.quarantined << " quarantined)\n";
    out << "alerts: " << st.alerts_delivered << " delivered, " << st.alerts_pending << " pending, "
        << st.alerts_failed << " failed, " << d.alerts_silenced << " silenced\n";
    out << "delivery: " << d.deliveries_pending << " pending (" << d.deliveries_waiting << " due or refused), "
        << d.silences_active << " silences active, " << conditions.size() << " internal conditions on";
    for (std::size_t i = 0; i < conditions.size(); ++i) out << (i ? ", " : ": ") << conditions[i].condition;
    out << "\n";
    if (reports) {
        out << "lmc reports: " << reports->delivered << " delivered, " << reports->pending << " pending, "
            << reports->failed << " failed";
        if (reports->unsent)
            out << ", " << reports->unsent << " unsent"
                << (upload_configured ? " (prepared before the upload was configured: gpwatchctl report resend)"
                                      : " (no upload configured)");
        else if (!upload_configured)
            out << " (no upload configured)";
        out << "\n";
    }
}

void print_conditions(std::ostream& out, Ledger& ledger, const Settings* settings, const std::string& state_dir,
                      bool as_json, std::int64_t now) {
    const auto conditions = conditions_on(ledger, view_of(state_dir, now));
    const std::string zone = settings ? settings->calendar.time_zone : "Europe/London";
    if (as_json) {
        for (const auto& c : conditions)
            out << json::serialize(json::object{{"condition", c.condition},
                                                {"since", time_or_null(c.since)},
                                                {"detail", c.detail},
                                                {"alert_id", c.alert_id ? json::value(c.alert_id) : json::value(nullptr)}})
                << "\n";
        return;
    }
    for (const auto& c : conditions)
        out << c.condition << "  since " << when(zone, c.since, now)
            << (c.alert_id ? "  (alert " + std::to_string(c.alert_id) + ")" : std::string("  (not yet alerted in the ledger)"))
            << "\n  " << c.detail << "\n";
    out << conditions.size() << " internal condition(s) on\n";
}

}  // namespace gpwatch::ctl
