// The ledger's delivery tables. Statements are prepared per call: alerts are few (dozens a day),
// so caching them would buy nothing and cost a second set of long-lived statements.

#include "daemon/ledger/delivery_ledger.hpp"

#include "daemon/ledger/rows.hpp"

namespace gpwatch {

using ledger::kAlertColumnCount;
using ledger::kAlertColumns;
using ledger::read_alert;

namespace {

std::string join_ids(const std::vector<std::int64_t>& ids) {
    std::string s;
    for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
    return s;
}

std::string delivery_select(const std::string& where_and_order) {
    return std::string("SELECT ") + kAlertColumns +
           ", d.sink, d.mode, d.state, d.attempts, d.next_attempt_at, coalesce(d.first_failed_at, 0), "
           "coalesce(d.delivered_at, 0), coalesce(d.last_error, ''), coalesce(d.digest_id, 0) "
           "FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id "
           "LEFT JOIN writes w ON w.id = a.write_id " + where_and_order;
}

DeliveryRow read_delivery(const sqlite::Statement& s) {
    DeliveryRow r;
    r.alert = read_alert(s);
    const int c = kAlertColumnCount;
    r.sink = s.text(c);
    r.mode = s.text(c + 1);
    r.state = s.text(c + 2);
    r.attempts = static_cast<int>(s.int64(c + 3));
    r.next_attempt_at = s.int64(c + 4);
    r.first_failed_at = s.int64(c + 5);
    r.delivered_at = s.int64(c + 6);
    r.last_error = s.text(c + 7);
    r.digest_id = s.int64(c + 8);
    return r;
}

std::vector<DeliveryRow> read_deliveries(sqlite::Statement& s) {
    std::vector<DeliveryRow> out;
    while (s.step()) out.push_back(read_delivery(s));
    return out;
}

}  // namespace

DeliveryLedger::DeliveryLedger(Ledger& ledger) : db_(ledger.connection()) {}

std::vector<Alert> DeliveryLedger::unrouted_alerts(int limit) {
    auto s = db_.prepare(std::string("SELECT ") + kAlertColumns +
                         " FROM alerts a LEFT JOIN writes w ON w.id = a.write_id "
                         "WHERE a.routed_at IS NULL ORDER BY a.id LIMIT ?1");
    s.bind(1, std::int64_t{limit});
    std::vector<Alert> out;
    while (s.step()) out.push_back(read_alert(s));
    return out;
}

void DeliveryLedger::add_delivery(std::int64_t alert_id, const std::string& sink, const std::string& mode,
                                  std::int64_t next_attempt_at) {
    auto s = db_.prepare(
        "INSERT INTO alert_deliveries (alert_id, sink, mode, state, next_attempt_at) "
        "VALUES (?1, ?2, ?3, 'pending', ?4) ON CONFLICT (alert_id, sink) DO NOTHING");
    s.bind(1, alert_id).bind(2, sink).bind(3, mode).bind(4, next_attempt_at);
    s.run();
}

void DeliveryLedger::mark_routed(std::int64_t alert_id, std::int64_t now) {
    auto s = db_.prepare("UPDATE alerts SET routed_at = ?2 WHERE id = ?1");
    s.bind(1, alert_id).bind(2, now);
    s.run();
    refresh_alert(alert_id);
}

void DeliveryLedger::mark_silenced(std::int64_t alert_id, std::int64_t silence_id, std::int64_t now) {
    auto s = db_.prepare("UPDATE alerts SET routed_at = ?2, state = 'silenced', silence_id = ?3 WHERE id = ?1");
    s.bind(1, alert_id).bind(2, now).bind(3, silence_id);
    s.run();
    auto m = db_.prepare("UPDATE silences SET matched = matched + 1 WHERE id = ?1");
    m.bind(1, silence_id);
    m.run();
}

std::vector<DeliveryRow> DeliveryLedger::due_digest_deliveries(std::int64_t now, int limit) {
    auto s = db_.prepare(delivery_select(
        "WHERE d.state = 'pending' AND d.mode = 'digest' AND d.next_attempt_at <= ?1 "
        "ORDER BY d.next_attempt_at, a.id LIMIT ?2"));
    s.bind(1, now).bind(2, std::int64_t{limit});
    return read_deliveries(s);
}

std::vector<DeliveryRow> DeliveryLedger::due_deliveries_for(const std::string& sink, std::int64_t now, int limit) {
    auto s = db_.prepare(delivery_select(
        "WHERE d.state = 'pending' AND d.sink = ?3 AND d.next_attempt_at <= ?1 "
        "ORDER BY d.next_attempt_at, a.id LIMIT ?2"));
    s.bind(1, now).bind(2, std::int64_t{limit}).bind(3, sink);
    return read_deliveries(s);
}

void DeliveryLedger::reschedule(std::int64_t alert_id, const std::string& sink, std::int64_t at) {
    auto s = db_.prepare(
        "UPDATE alert_deliveries SET next_attempt_at = ?3 WHERE alert_id = ?1 AND sink = ?2 AND state = 'pending'");
    s.bind(1, alert_id).bind(2, sink).bind(3, at);
    s.run();
    refresh_alert(alert_id);
}

std::map<std::string, std::int64_t> DeliveryLedger::next_attempt_by_sink() {
    auto s = db_.prepare(
        "SELECT sink, min(next_attempt_at) FROM alert_deliveries WHERE state = 'pending' GROUP BY sink");
    std::map<std::string, std::int64_t> out;
    while (s.step()) out[s.text(0)] = s.int64(1);
    return out;
}

bool DeliveryLedger::has_unrouted() {
    auto s = db_.prepare("SELECT 1 FROM alerts WHERE routed_at IS NULL LIMIT 1");
    return s.step();
}

std::vector<DeliveryRow> DeliveryLedger::pending_digest_deliveries(const std::string& sink) {
    auto s = db_.prepare(delivery_select(
        "WHERE d.state = 'pending' AND d.mode = 'digest' AND d.sink = ?1 ORDER BY a.id"));
    s.bind(1, sink);
    return read_deliveries(s);
}

std::vector<DeliveryRow> DeliveryLedger::failing_deliveries(const std::string& sink) {
    auto s = db_.prepare(delivery_select(
        "WHERE d.state = 'pending' AND d.sink = ?1 AND d.first_failed_at IS NOT NULL AND a.kind != 'digest' "
        "ORDER BY a.id"));
    s.bind(1, sink);
    return read_deliveries(s);
}

std::int64_t DeliveryLedger::next_delivery_attempt() {
    auto s = db_.prepare("SELECT min(next_attempt_at) FROM alert_deliveries WHERE state = 'pending'");
    if (s.step() && !s.is_null(0)) return s.int64(0);
    return 0;
}

// The alerts a digest covers share its fate on that sink: delivered with it (at `delivered_at`)
// or failed with it (with `error`).
void DeliveryLedger::settle_digest_members(std::int64_t digest_id, const std::string& sink, const char* state,
                                           std::int64_t delivered_at, const std::string& error) {
    std::vector<std::int64_t> covered;
    auto c = db_.prepare("SELECT alert_id FROM alert_deliveries WHERE digest_id = ?1 AND sink = ?2");
    c.bind(1, digest_id).bind(2, sink);
    while (c.step()) covered.push_back(c.int64(0));
    auto u = db_.prepare(
        "UPDATE alert_deliveries SET state = ?3, delivered_at = CASE WHEN ?4 > 0 THEN ?4 ELSE delivered_at END, "
        "last_error = CASE WHEN ?5 != '' THEN ?5 ELSE last_error END WHERE digest_id = ?1 AND sink = ?2");
    u.bind(1, digest_id).bind(2, sink).bind(3, std::string_view(state)).bind(4, delivered_at).bind(5, error);
    u.run();
    for (auto id : covered) refresh_alert(id);
}

void DeliveryLedger::delivery_succeeded(std::int64_t alert_id, const std::string& sink, std::int64_t now) {
    auto s = db_.prepare(
        "UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?3 "
        "WHERE alert_id = ?1 AND sink = ?2 AND state = 'pending'");
    s.bind(1, alert_id).bind(2, sink).bind(3, now);
    s.run();
    refresh_alert(alert_id);
    // A digest carries the alerts it covers: they are delivered to this sink with it.
    settle_digest_members(alert_id, sink, "delivered", now, "");
}

void DeliveryLedger::delivery_retry(std::int64_t alert_id, const std::string& sink, std::int64_t next_attempt_at,
                                    const std::string& error, std::int64_t now) {
    auto s = db_.prepare(
        "UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = ?3, last_error = ?4, "
        "first_failed_at = coalesce(first_failed_at, ?5) WHERE alert_id = ?1 AND sink = ?2 AND state = 'pending'");
    s.bind(1, alert_id).bind(2, sink).bind(3, next_attempt_at).bind(4, error).bind(5, now);
    s.run();
    refresh_alert(alert_id);
}

void DeliveryLedger::delivery_failed(std::int64_t alert_id, const std::string& sink, const std::string& error) {
    auto s = db_.prepare(
        "UPDATE alert_deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?3 "
        "WHERE alert_id = ?1 AND sink = ?2 AND state = 'pending'");
    s.bind(1, alert_id).bind(2, sink).bind(3, error);
    s.run();
    refresh_alert(alert_id);
    settle_digest_members(alert_id, sink, "failed", 0, "in digest " + std::to_string(alert_id) + ": " + error);
}

std::int64_t DeliveryLedger::add_digest(const Alert& d, const std::string& sink, std::int64_t now) {
    auto s = db_.prepare(
        "INSERT INTO alerts (write_id, reason, severity, subject, body, created_at, state, next_attempt_at, "
        "kind, covers, routed_at) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, 'pending', ?5, 'digest', ?6, ?5)");
    s.bind(1, to_string(d.reason)).bind(2, to_string(d.severity)).bind(3, d.subject).bind(4, d.body)
        .bind(5, now).bind(6, join_ids(d.covers));
    s.run();
    const auto id = db_.last_insert_rowid();
    add_delivery(id, sink, "immediate", now);
    for (auto covered : d.covers) {
        auto u = db_.prepare(
            "UPDATE alert_deliveries SET state = 'digested', digest_id = ?3 "
            "WHERE alert_id = ?1 AND sink = ?2 AND state = 'pending'");
        u.bind(1, covered).bind(2, sink).bind(3, id);
        u.run();
    }
    return id;
}

std::int64_t DeliveryLedger::add_internal_alert(const std::string& condition, Severity severity,
                                                const std::string& subject, const std::string& body,
                                                std::int64_t now, std::int64_t id) {
    auto s = db_.prepare(
        "INSERT INTO alerts (id, write_id, reason, severity, subject, body, created_at, state, next_attempt_at, "
        "kind, rule) VALUES (?6, NULL, ?1, ?2, ?3, ?4, ?5, 'pending', ?5, 'internal', ?1)");
    s.bind(1, condition).bind(2, to_string(severity)).bind(3, subject).bind(4, body).bind(5, now);
    if (id > 0) s.bind(6, id);
    else s.bind_null(6);
    s.run();
    return db_.last_insert_rowid();
}

std::optional<InternalCondition> DeliveryLedger::condition(const std::string& name) {
    auto s = db_.prepare(
        "SELECT condition, active, since, detail, coalesce(alert_id, 0), coalesce(cleared_at, 0) "
        "FROM internal_conditions WHERE condition = ?1");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return InternalCondition{s.text(0), s.int64(1) != 0, s.int64(2), s.text(3), s.int64(4), s.int64(5)};
}

std::vector<InternalCondition> DeliveryLedger::active_conditions() {
    auto s = db_.prepare(
        "SELECT condition, active, since, detail, coalesce(alert_id, 0), coalesce(cleared_at, 0) "
        "FROM internal_conditions WHERE active = 1 ORDER BY since, condition");
    std::vector<InternalCondition> out;
    while (s.step()) out.push_back({s.text(0), s.int64(1) != 0, s.int64(2), s.text(3), s.int64(4), s.int64(5)});
    return out;
}

void DeliveryLedger::set_condition(const InternalCondition& c) {
    auto s = db_.prepare(
        "INSERT INTO internal_conditions (condition, active, since, detail, alert_id, cleared_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (condition) DO UPDATE SET active = ?2, since = ?3, "
        "detail = ?4, alert_id = ?5, cleared_at = ?6");
    s.bind(1, c.condition).bind(2, std::int64_t{c.active}).bind(3, c.since).bind(4, c.detail);
    if (c.alert_id) s.bind(5, c.alert_id); else s.bind_null(5);
    if (c.cleared_at) s.bind(6, c.cleared_at); else s.bind_null(6);
    s.run();
}

std::int64_t DeliveryLedger::add_silence(const SilenceRow& r) {
    auto s = db_.prepare(
        "INSERT INTO silences (org, reason, until_at, comment, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, r.org).bind(2, r.reason).bind(3, r.until_at).bind(4, r.comment).bind(5, r.created_at);
    s.run();
    return db_.last_insert_rowid();
}

std::vector<SilenceRow> DeliveryLedger::list_silences() {
    auto s = db_.prepare(
        "SELECT id, org, reason, until_at, comment, created_at, coalesce(expired_at, 0), matched "
        "FROM silences ORDER BY id");
    std::vector<SilenceRow> out;
    while (s.step())
        out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3), s.text(4), s.int64(5), s.int64(6), s.int64(7)});
    return out;
}

std::vector<SilenceRow> DeliveryLedger::active_silences(std::int64_t now) {
    std::vector<SilenceRow> out;
    for (auto& s : list_silences())
        if (s.active(now)) out.push_back(std::move(s));
    return out;
}

bool DeliveryLedger::expire_silence(std::int64_t id, std::int64_t now) {
    auto s = db_.prepare(
        "UPDATE silences SET expired_at = ?2 WHERE id = ?1 AND expired_at IS NULL AND until_at > ?2");
    s.bind(1, id).bind(2, now);
    s.run();
    return db_.changes() > 0;
}

std::vector<DeliveryRow> DeliveryLedger::list_deliveries() {
    auto s = db_.prepare(delivery_select("ORDER BY a.id, d.sink"));
    return read_deliveries(s);
}

std::optional<Alert> DeliveryLedger::get_alert(std::int64_t id) {
    auto s = db_.prepare(std::string("SELECT ") + kAlertColumns +
                         " FROM alerts a LEFT JOIN writes w ON w.id = a.write_id WHERE a.id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_alert(s);
}

std::int64_t DeliveryLedger::alert_id_for(std::int64_t write_id, Reason reason) {
    auto s = db_.prepare("SELECT id FROM alerts WHERE write_id = ?1 AND reason = ?2");
    s.bind(1, write_id).bind(2, to_string(reason));
    return s.step() ? s.int64(0) : 0;
}

std::int64_t DeliveryLedger::first_alert_of_write(std::int64_t write_id) {
    auto s = db_.prepare("SELECT min(id) FROM alerts WHERE write_id = ?1 AND kind = 'write'");
    s.bind(1, write_id);
    return s.step() && !s.is_null(0) ? s.int64(0) : 0;
}

DeliveryLedger::ThreadOnSink DeliveryLedger::thread_on_sink(std::int64_t write_id, const std::string& sink,
                                                            std::int64_t alert_id) {
    auto s = db_.prepare(
        "SELECT d.alert_id, coalesce(d.digest_id, 0) "
        "FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id AND d.sink = ?2 "
        "WHERE a.write_id = ?1 AND a.kind = 'write' AND a.id != ?3 AND d.state = 'delivered' "
        "ORDER BY d.delivered_at, a.id LIMIT 1");
    s.bind(1, write_id).bind(2, sink).bind(3, alert_id);
    ThreadOnSink t;
    if (s.step()) {
        t.root = s.int64(0);
        t.digest = s.int64(1);
    }
    return t;
}

void DeliveryLedger::set_in_reply_to(std::int64_t alert_id, const std::string& message_id) {
    auto s = db_.prepare("UPDATE alerts SET in_reply_to = ?2 WHERE id = ?1");
    s.bind(1, alert_id).bind(2, message_id);
    s.run();
}

DeliveryStatus DeliveryLedger::status(std::int64_t now) {
    DeliveryStatus st;
    auto a = db_.prepare("SELECT coalesce(sum(state = 'silenced'), 0) FROM alerts");
    if (a.step()) st.alerts_silenced = a.int64(0);
    auto i = db_.prepare("SELECT count(*) FROM internal_conditions WHERE active = 1");
    if (i.step()) st.internal_active = i.int64(0);
    auto p = db_.prepare(
        "SELECT count(*), coalesce(min(a.created_at), 0), coalesce(min(d.first_failed_at), 0), "
        "coalesce(sum(d.next_attempt_at <= ?1 OR d.first_failed_at IS NOT NULL), 0) "
        "FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.state = 'pending'");
    p.bind(1, now);
    if (p.step()) {
        st.deliveries_pending = p.int64(0);
        st.oldest_pending_created_at = p.int64(1);
        st.oldest_failing_since = p.int64(2);
        st.deliveries_waiting = p.int64(3);
    }
    auto k = db_.prepare(
        "SELECT sink, sum(state = 'pending'), sum(state = 'delivered'), sum(state = 'failed'), "
        "sum(state = 'digested') FROM alert_deliveries GROUP BY sink ORDER BY sink");
    while (k.step()) st.sinks.push_back({k.text(0), k.int64(1), k.int64(2), k.int64(3), k.int64(4)});
    auto sil = db_.prepare(
        "SELECT count(*) FROM silences WHERE expired_at IS NULL AND until_at > ?1");
    sil.bind(1, now);
    if (sil.step()) st.silences_active = sil.int64(0);
    return st;
}

void DeliveryLedger::refresh_alert(std::int64_t alert_id) {
    auto s = db_.prepare(R"sql(
        UPDATE alerts SET
          attempts = coalesce((SELECT sum(attempts) FROM alert_deliveries WHERE alert_id = ?1), 0),
          state = CASE
            WHEN state = 'silenced' THEN 'silenced'
            WHEN EXISTS (SELECT 1 FROM alert_deliveries WHERE alert_id = ?1 AND state IN ('pending', 'digested'))
              THEN 'pending'
            WHEN EXISTS (SELECT 1 FROM alert_deliveries WHERE alert_id = ?1 AND state = 'failed') THEN 'failed'
            WHEN EXISTS (SELECT 1 FROM alert_deliveries WHERE alert_id = ?1) THEN 'delivered'
            ELSE state END,
          delivered_at = (SELECT max(delivered_at) FROM alert_deliveries WHERE alert_id = ?1),
          next_attempt_at = coalesce((SELECT min(next_attempt_at) FROM alert_deliveries
                                      WHERE alert_id = ?1 AND state = 'pending'), next_attempt_at),
          last_error = coalesce((SELECT last_error FROM alert_deliveries WHERE alert_id = ?1
                                 AND last_error IS NOT NULL ORDER BY state = 'failed' DESC LIMIT 1), last_error)
        WHERE id = ?1)sql");
    s.bind(1, alert_id);
    s.run();
}

}  // namespace gpwatch
