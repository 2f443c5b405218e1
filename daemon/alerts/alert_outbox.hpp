#pragma once
// AlertOutbox: delivers the ledger's alerts to their sinks, at least once per sink, recording each
// outcome in the ledger. A small pipeline, each stage its own file:
//
//   new alert -> silences (silence_matcher) -> threading (the write's first alert)
//             -> routing (alert_router) -> quiet hours (quiet_hours)
//             -> one durable delivery row per sink (DeliveryLedger)
//   due rows  -> digests (digest_composer: a route's digest window)
//             -> the flood limit (more than flood_limit due for a sink within flood_window: one
//                digest of what is due, the rest held for the next)
//             -> the sink's lane (delivery_lane.hpp: its own worker thread in gpwatchd), one
//                delivery in flight per sink
//   result    -> delivered | retry with backoff and jitter | failed for good (and an internal
//                alert: InternalAlerts)
//   a sink that refused alerts takes one again -> what it still owes goes at once: one backlog
//             digest after a long outage (backlog_digest_after, backlog_digest_min), else one by one
//
// The outbox itself never blocks: it hands deliveries to lanes and records their results when
// they come back (on the same thread that calls deliver_due, the event loop). Because every step
// is recorded in the ledger, a restart neither loses nor repeats an alert (a delivery in flight
// at the restart is sent again, and sinks are idempotent on the alert id). Time is passed in
// (`now`, unix seconds), so tests drive quiet hours, digest windows, floods and backoff without
// waiting.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "daemon/alerts/delivery_lane.hpp"
#include "daemon/alerts/internal_alerts.hpp"
#include "daemon/ledger/delivery_ledger.hpp"
#include "daemon/review/working_calendar.hpp"
#include "proto/alert_sink.hpp"
#include "proto/delivery_settings.hpp"

namespace gpwatch::alerts {

// What one call did. With inline lanes the results come back inside the call and are counted in
// it; with worker lanes they come later and are counted in OutboxTotals.
struct OutboxRound {
    int routed = 0;
    int silenced = 0;
    int digests = 0;
    int dispatched = 0;  // deliveries handed to a lane
    int delivered = 0;
    int retried = 0;
    int failed = 0;
    int held = 0;        // deliveries held back by the flood limit
    bool more_to_route = false;  // more new alerts wait than one round routes: call again soon
};

// Since the outbox was built, per sink (for gpwatchctl status and health).
struct SinkTotals {
    std::int64_t delivered = 0, retried = 0, failed = 0, flood_digests = 0;
    bool in_flight = false;
    std::int64_t down_until = 0;      // refusing: no attempt before this (unix seconds); 0: fine
    std::string last_error;
    std::int64_t flood_hold_until = 0;  // a flood is being held for a digest until then; 0: none
};

struct OutboxHooks {
    // After a result that came back between rounds is recorded: there may be more to hand over.
    std::function<void()> progress;
    // The ledger could not record a result (disk full...): the delivery stays pending, and is
    // sent again once the ledger works (sinks are idempotent).
    std::function<void(const std::string& what)> ledger_failed;
    // Unix seconds now, for results that come back between rounds.
    std::function<std::int64_t()> now;
    // Before alert `id` is handed to a sink, which names it to a peer (Message-ID, dedupe_key):
    // false holds it back for a later round (gpwatchd could not record the id as handed out).
    std::function<bool(std::int64_t id)> naming = {};
};

class AlertOutbox {
public:
    // `lanes` by sink name (as routes name them); the outbox does not own them.
    AlertOutbox(Ledger& ledger, std::map<std::string, DeliveryLane*> lanes, DeliverySettings settings,
                const Calendar& calendar, std::string practice_ods, InternalAlerts* internal = nullptr);
    // The sinks themselves, each called at once on the caller's thread (tests and tools).
    AlertOutbox(Ledger& ledger, std::map<std::string, AlertSink*> sinks, DeliverySettings settings,
                const Calendar& calendar, std::string practice_ods, InternalAlerts* internal = nullptr);
    // One sink, every alert to it at once, no quiet hours (tests, and the simplest setup).
    AlertOutbox(Ledger& ledger, AlertSink& sink);
    ~AlertOutbox();
    AlertOutbox(const AlertOutbox&) = delete;
    AlertOutbox& operator=(const AlertOutbox&) = delete;

    void set_hooks(OutboxHooks hooks) { hooks_ = std::move(hooks); }
    void set_naming_hook(std::function<bool(std::int64_t id)> naming) { hooks_.naming = std::move(naming); }

    // New settings (reload). Sinks are fixed at start: a route naming a sink that was added
    // since goes to the default sinks until the next start.
    void configure(DeliverySettings settings, const Calendar& calendar);

    // Routes new alerts, gathers digests, applies the flood limit and hands what is due at `now`
    // to the sinks' lanes. Throws on ledger errors.
    OutboxRound deliver_due(std::int64_t now);
    // Only the routing stage (silences, threading, routes, quiet hours) for alerts not yet routed.
    OutboxRound route_new(std::int64_t now);
    // When deliver_due has something to do next (unix seconds), or 0 when nothing is pending that
    // an idle lane could take (a busy lane's result asks for the next round itself).
    std::int64_t next_due();
    // Seconds to wait before retrying after `attempts` failures: 5 s doubling to 1 h, with jitter.
    std::int64_t retry_delay(int attempts);

    // Results that come back from now on are dropped (gpwatchd is stopping).
    void stop() { stopped_ = true; }

    DeliveryLedger& deliveries() { return delivery_; }
    std::map<std::string, SinkTotals> totals() const;

private:
    struct SinkState {
        DeliveryLane* lane = nullptr;
        std::int64_t down_until = 0;  // after a retryable failure: wait until then
        int failures = 0;             // retryable failures in a row (the sink's backoff)
        std::string down_error;
        std::deque<std::int64_t> sent;  // when messages were handed over, within flood_window
        std::int64_t gather_until = 0;  // flood: a burst is gathered until then, then one digest
        std::int64_t hold_until = 0;    // flood: due deliveries wait until then
        std::int64_t in_flight = 0;     // the alert its lane is delivering now (0: none); never digested
        SinkTotals totals;
    };
    void gather_digests(std::int64_t now, OutboxRound& round);
    // Hands one sink what is due; with an inline lane, until nothing is due.
    void serve(const std::string& sink, SinkState& st, std::int64_t now, OutboxRound& round);
    // The flood limit for `due` (non-empty); true when it took them (held or gathered).
    bool limit_flood(const std::string& sink, SinkState& st, std::vector<DeliveryRow>& due, std::int64_t now,
                     OutboxRound& round);
    void dispatch(const std::string& sink, SinkState& st, const DeliveryRow& row, std::int64_t now,
                  OutboxRound& round);
    void record(const std::string& sink, const DeliveryRow& row, const DeliveryResult& result, std::int64_t now,
                OutboxRound& round);
    // `probe` was delivered to a sink that had been refusing: what it still owes goes now, as
    // one backlog digest when the outage was long and the backlog large.
    void sink_returned(const DeliveryRow& probe, std::int64_t now, OutboxRound& round);
    std::int64_t clock_now() const;

    Ledger& ledger_;
    DeliveryLedger delivery_;
    std::vector<std::unique_ptr<InlineLane>> owned_lanes_;
    std::map<std::string, SinkState> sinks_;
    DeliverySettings settings_;
    std::optional<WorkingCalendar> calendar_;
    std::string practice_ods_;  // for the Message-ID a follow-up threads under
    InternalAlerts* internal_;
    OutboxHooks hooks_;
    std::mt19937_64 rng_;
    OutboxRound* current_round_ = nullptr;  // while deliver_due runs: inline results count in it
    std::int64_t current_now_ = 0;
    bool stopped_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gpwatch::alerts
