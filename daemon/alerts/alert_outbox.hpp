#pragma once
// AlertOutbox: delivers the ledger's alerts to their sinks, at least once per sink, recording each
// outcome in the ledger. A small pipeline, each stage its own file:
//
//   new alert -> silences (silence_matcher) -> routing (alert_router) -> quiet hours (quiet_hours)
//             -> one durable delivery row per sink (DeliveryLedger)
//   due rows  -> digests (digest_composer: a route's digest window)
//             -> sink.deliver() -> delivered | retry with backoff and jitter | failed for good
//                                  (and an internal alert: InternalAlerts)
//   a sink that refused alerts takes one again -> what it still owes goes at once: one backlog
//             digest after a long outage (backlog_digest_after, backlog_digest_min), else one by one
//
// Because every step is recorded in the ledger, a restart neither loses nor repeats an alert, and
// sinks are idempotent on the alert id besides. Time is always passed in (`now`, unix seconds),
// so tests drive quiet hours, digest windows and backoff without waiting.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "daemon/alerts/internal_alerts.hpp"
#include "daemon/ledger/delivery_ledger.hpp"
#include "daemon/review/working_calendar.hpp"
#include "proto/alert_sink.hpp"
#include "proto/delivery_settings.hpp"

namespace gpwatch::alerts {

struct OutboxRound {
    int routed = 0;
    int silenced = 0;
    int digests = 0;
    int delivered = 0;
    int retried = 0;
    int failed = 0;
};

class AlertOutbox {
public:
    // `sinks` by name (as routes name them); the outbox does not own them.
    AlertOutbox(Ledger& ledger, std::map<std::string, AlertSink*> sinks, DeliverySettings settings,
                const Calendar& calendar, std::string practice_ods, InternalAlerts* internal = nullptr);
    // One sink, every alert to it at once, no quiet hours (tests, and the simplest setup).
    AlertOutbox(Ledger& ledger, AlertSink& sink);

    // New settings (reload). Sinks are fixed at start: a route naming a sink that was added
    // since goes to the default sinks until the next start.
    void configure(DeliverySettings settings, const Calendar& calendar);

    // Routes new alerts, gathers digests and delivers what is due at `now`.
    OutboxRound deliver_due(std::int64_t now);
    // Only the routing stage (silences, routes, quiet hours) for alerts not yet routed.
    OutboxRound route_new(std::int64_t now);
    // When the next delivery is due (unix seconds), or 0 when nothing is pending.
    std::int64_t next_due();
    // Seconds to wait before retrying after `attempts` failures: 5 s doubling to 1 h, with jitter.
    std::int64_t retry_delay(int attempts);

    DeliveryLedger& deliveries() { return delivery_; }

private:
    // What one round remembers: sinks that failed in it (sink -> (retry at, why)), and the
    // deliveries already tried or digested in it ("alert@sink").
    struct RoundState {
        std::map<std::string, std::pair<std::int64_t, std::string>> down;
        std::set<std::string> done;
    };
    void gather_digests(std::int64_t now, OutboxRound& round);
    void deliver_rows(std::vector<DeliveryRow> rows, std::int64_t now, OutboxRound& round, RoundState& state);
    // True when delivered.
    bool deliver_one(const DeliveryRow& row, std::int64_t now, OutboxRound& round, RoundState& state);
    // `probe` was delivered to a sink that had been refusing: queue what it still owes, as one
    // backlog digest when the outage was long and the backlog large.
    void sink_returned(const DeliveryRow& probe, std::int64_t now, OutboxRound& round, RoundState& state,
                       std::deque<DeliveryRow>& queue);
    static std::string key(const DeliveryRow& row);

    Ledger& ledger_;
    DeliveryLedger delivery_;
    std::map<std::string, AlertSink*> sinks_;
    DeliverySettings settings_;
    std::optional<WorkingCalendar> calendar_;
    std::string practice_ods_;  // for the Message-ID an escalation threads under
    InternalAlerts* internal_;
    std::mt19937_64 rng_;
};

}  // namespace gpwatch::alerts
