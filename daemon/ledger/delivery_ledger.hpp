#pragma once
// DeliveryLedger: the ledger's delivery tables (schema migration "Delivery"): the per-sink outbox
// (alert_deliveries), silences, internal conditions, digests. Works on the Ledger's connection
// and inside its transactions (Ledger::begin/commit), so routing or delivering an alert and
// recording it commit together.
//
// An alert's own row (alerts.state, attempts, next_attempt_at) is kept as a summary of its
// deliveries: pending while any sink still owes it, failed if a sink gave up, delivered when
// every sink has it (alone or inside a digest), silenced when a silence held it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

// One (alert, sink) delivery, with the alert filled as sinks need it.
struct DeliveryRow {
    Alert alert;
    std::string sink;
    std::string mode;              // immediate | digest
    std::string state;             // pending | delivered | failed | digested
    int attempts = 0;
    std::int64_t next_attempt_at = 0;
    std::int64_t first_failed_at = 0;  // 0: never failed
    std::int64_t delivered_at = 0;
    std::string last_error;
    std::int64_t digest_id = 0;
};

struct SilenceRow {
    std::int64_t id = 0;
    std::string org;     // author ODS code, or empty
    std::string reason;  // reason or internal condition, or empty
    std::int64_t until_at = 0;
    std::string comment;
    std::int64_t created_at = 0;
    std::int64_t expired_at = 0;  // 0: not expired by hand
    std::int64_t matched = 0;     // alerts it silenced
    bool active(std::int64_t now) const { return expired_at == 0 && now < until_at; }
};

struct InternalCondition {
    std::string condition;
    bool active = false;
    std::int64_t since = 0;
    std::string detail;
    std::int64_t alert_id = 0;
    std::int64_t cleared_at = 0;
};

struct DeliveryStatus {
    std::int64_t alerts_silenced = 0;
    std::int64_t internal_active = 0;
    std::int64_t deliveries_pending = 0;
    std::int64_t deliveries_waiting = 0;         // pending and due or already refused (not those
                                                 // held on purpose for quiet hours or a digest)
    std::int64_t oldest_pending_created_at = 0;  // 0: none pending
    std::int64_t oldest_failing_since = 0;       // earliest first refusal among pending; 0: none
    struct PerSink {
        std::string sink;
        std::int64_t pending = 0, delivered = 0, failed = 0, digested = 0;
    };
    std::vector<PerSink> sinks;
    std::int64_t silences_active = 0;
};

class DeliveryLedger {
public:
    explicit DeliveryLedger(Ledger& ledger);

    // --- routing (inside a transaction)
    std::vector<Alert> unrouted_alerts(int limit);
    void add_delivery(std::int64_t alert_id, const std::string& sink, const std::string& mode,
                      std::int64_t next_attempt_at);
    void mark_routed(std::int64_t alert_id, std::int64_t now);
    void mark_silenced(std::int64_t alert_id, std::int64_t silence_id, std::int64_t now);

    // --- the per-sink outbox
    // Due deliveries of digest-mode routes (every sink), oldest first.
    std::vector<DeliveryRow> due_digest_deliveries(std::int64_t now, int limit);
    // Due deliveries of one sink, oldest first; limit -1: all of them.
    std::vector<DeliveryRow> due_deliveries_for(const std::string& sink, std::int64_t now, int limit);
    // Moves a pending delivery to `at` without counting an attempt (held back on purpose: a
    // flood's hold, or a sink that is back and owes it at once).
    void reschedule(std::int64_t alert_id, const std::string& sink, std::int64_t at);
    // Per sink, the earliest next attempt among its pending deliveries.
    std::map<std::string, std::int64_t> next_attempt_by_sink();
    bool has_unrouted();
    // Pending digest-mode deliveries of one sink, oldest first (what a digest gathers).
    std::vector<DeliveryRow> pending_digest_deliveries(const std::string& sink);
    // Pending deliveries of one sink that already failed at least once (a backlog).
    std::vector<DeliveryRow> failing_deliveries(const std::string& sink);
    std::int64_t next_delivery_attempt();  // 0 when nothing is pending
    void delivery_succeeded(std::int64_t alert_id, const std::string& sink, std::int64_t now);
    void delivery_retry(std::int64_t alert_id, const std::string& sink, std::int64_t next_attempt_at,
                        const std::string& error, std::int64_t now);
    void delivery_failed(std::int64_t alert_id, const std::string& sink, const std::string& error);
    // Stores a digest (kind digest, routed, one pending delivery to `sink`) and marks the covered
    // deliveries of that sink digested; returns the digest's alert id.
    std::int64_t add_digest(const Alert& digest, const std::string& sink, std::int64_t now);

    // --- internal alerts
    // `id` 0: the next id; else exactly that one (a fresh ledger continuing above the alert ids its
    // inboxes already hold).
    std::int64_t add_internal_alert(const std::string& condition, Severity severity, const std::string& subject,
                                    const std::string& body, std::int64_t now, std::int64_t id = 0);
    std::optional<InternalCondition> condition(const std::string& name);
    std::vector<InternalCondition> active_conditions();  // those on now, oldest first
    void set_condition(const InternalCondition& c);

    // --- silences (gpwatchctl writes these while gpwatchd runs; SQLite serialises the writers)
    std::int64_t add_silence(const SilenceRow& s);
    std::vector<SilenceRow> list_silences();
    std::vector<SilenceRow> active_silences(std::int64_t now);
    bool expire_silence(std::int64_t id, std::int64_t now);  // false: no such silence, or not active

    // --- reading
    std::vector<DeliveryRow> list_deliveries();
    std::optional<Alert> get_alert(std::int64_t id);
    std::int64_t alert_id_for(std::int64_t write_id, Reason reason);  // 0: none
    // The first alert raised about a write (the one every later alert about it threads under); 0: none.
    std::int64_t first_alert_of_write(std::int64_t write_id);
    void set_in_reply_to(std::int64_t alert_id, const std::string& message_id);
    // What an alert about `write_id` threads under on `sink`: the first alert of that write the
    // sink has received (silenced, pending and failed ones never reached it; the most severe may
    // have gone before an older one), and the digest that carried it there if it went in one. Both
    // 0 when this is the first the sink hears of the write.
    struct ThreadOnSink {
        std::int64_t root = 0;
        std::int64_t digest = 0;
    };
    ThreadOnSink thread_on_sink(std::int64_t write_id, const std::string& sink, std::int64_t alert_id);
    DeliveryStatus status(std::int64_t now);

private:
    void refresh_alert(std::int64_t alert_id);
    void settle_digest_members(std::int64_t digest_id, const std::string& sink, const char* state,
                               std::int64_t delivered_at, const std::string& error);
    sqlite::Connection& db_;
};

}  // namespace gpwatch
