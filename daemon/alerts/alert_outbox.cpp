#include "daemon/alerts/alert_outbox.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include <spdlog/spdlog.h>

#include "daemon/alerts/alert_router.hpp"
#include "daemon/alerts/digest_composer.hpp"
#include "daemon/alerts/quiet_hours.hpp"
#include "daemon/alerts/silence_matcher.hpp"
#include "connectors/mail/rfc5322.hpp"

namespace gpwatch::alerts {

namespace {

constexpr int kBatch = 200;

// Runs `f` inside one ledger transaction.
template <class F>
void in_transaction(Ledger& ledger, F&& f) {
    ledger.begin();
    try {
        f();
        ledger.commit();
    } catch (...) {
        ledger.rollback();
        throw;
    }
}

}  // namespace

AlertOutbox::AlertOutbox(Ledger& ledger, std::map<std::string, AlertSink*> sinks, DeliverySettings settings,
                         const Calendar& calendar, std::string practice_ods, InternalAlerts* internal)
    : ledger_(ledger), delivery_(ledger), sinks_(std::move(sinks)), practice_ods_(std::move(practice_ods)),
      internal_(internal),
      rng_(std::random_device{}()) {
    configure(std::move(settings), calendar);
}

AlertOutbox::AlertOutbox(Ledger& ledger, AlertSink& sink)
    : ledger_(ledger), delivery_(ledger), internal_(nullptr), rng_(std::random_device{}()) {
    sinks_[sink.name()] = &sink;
    SinkSettings only;
    only.name = sink.name();
    only.type = sink.name();
    settings_.sinks.push_back(std::move(only));
    settings_.default_sinks = {sink.name()};
}

void AlertOutbox::configure(DeliverySettings settings, const Calendar& calendar) {
    settings_ = std::move(settings);
    calendar_.emplace(calendar);
}

std::int64_t AlertOutbox::retry_delay(int attempts) {
    std::int64_t step = 5;
    for (int i = 0; i < attempts && step < 3600; ++i) step *= 2;
    step = std::min<std::int64_t>(step, 3600);
    std::uniform_int_distribution<std::int64_t> jitter(step / 2, step);
    return jitter(rng_);
}

std::int64_t AlertOutbox::next_due() { return delivery_.next_delivery_attempt(); }

OutboxRound AlertOutbox::route_new(std::int64_t now) {
    OutboxRound round;
    auto alerts = delivery_.unrouted_alerts(kBatch);
    if (alerts.empty()) return round;
    const auto silences = delivery_.active_silences(now);
    in_transaction(ledger_, [&] {
        for (const auto& a : alerts) {
            if (const auto* s = matching_silence(silences, a, now)) {
                delivery_.mark_silenced(a.id, s->id, now);
                ++round.silenced;
                spdlog::info("alert {} ({}) silenced by silence {} (until unix {})", a.id, reason_word(a), s->id,
                             s->until_at);
                continue;
            }
            // An escalation threads under the first overdue alert of its write, in every mail client.
            if (a.reason == Reason::unreviewed_escalated && a.in_reply_to_alert.empty() && a.write_id != 0)
                if (auto first = delivery_.alert_id_for(a.write_id, Reason::unreviewed_overdue))
                    delivery_.set_in_reply_to(a.id, mail::bare_message_id(first, practice_ods_));
            std::vector<SinkChoice> usable;
            for (const auto& c : route(settings_, a)) {
                if (sinks_.count(c.sink)) usable.push_back(c);
                else spdlog::warn("alert {}: route names sink '{}', which gpwatchd did not start with "
                                  "(restart to add a sink); using the default sinks", a.id, c.sink);
            }
            if (usable.empty())
                for (const auto& d : settings_.default_sinks)
                    if (sinks_.count(d)) usable.push_back({d, false});
            if (usable.empty()) usable.push_back({sinks_.begin()->first, false});

            const auto release = calendar_ ? release_time(a, settings_.quiet_hours, *calendar_, now) : now;
            if (release > now)
                spdlog::info("alert {} ({}) held for quiet hours until unix {}", a.id, to_string(a.severity), release);
            for (const auto& c : usable) {
                const auto at = c.digest ? std::max(release, now + settings_.digest_window.count()) : release;
                delivery_.add_delivery(a.id, c.sink, c.digest ? "digest" : "immediate", at);
            }
            delivery_.mark_routed(a.id, now);
            ++round.routed;
        }
    });
    return round;
}

void AlertOutbox::gather_digests(std::int64_t now, OutboxRound& round) {
    // A route's digest window: the first due digest-mode delivery of a (sink, kind, reason)
    // gathers the others of its group that arrived within one window after it. Deliveries held
    // for quiet hours lie further ahead and are left for their own time.
    const auto horizon = now + settings_.digest_window.count();
    std::set<std::string> groups_done, taken;
    std::vector<std::pair<std::string, Alert>> digests;  // (sink, digest)
    for (const auto& row : delivery_.due_deliveries(now, kBatch)) {
        if (row.mode != "digest") continue;
        const std::string group = row.sink + "\n" + row.alert.kind + "\n" + reason_word(row.alert);
        if (!groups_done.insert(group).second) continue;
        std::vector<Alert> alerts;
        for (const auto& p : delivery_.pending_digest_deliveries(row.sink))
            if (p.alert.kind == row.alert.kind && reason_word(p.alert) == reason_word(row.alert) &&
                p.next_attempt_at <= horizon && taken.insert(std::to_string(p.alert.id) + "@" + p.sink).second)
                alerts.push_back(p.alert);
        if (alerts.size() < 2) continue;  // alone in its window: it goes as itself
        digests.emplace_back(row.sink, compose_digest(alerts, DigestCause::window, now));
    }
    if (digests.empty()) return;
    in_transaction(ledger_, [&] {
        for (const auto& [sink, d] : digests) {
            const auto id = delivery_.add_digest(d, sink, now);
            ++round.digests;
            spdlog::info("digest {} for {} gathers {} alerts", id, sink, d.covers.size());
        }
    });
}

bool AlertOutbox::deliver_one(const DeliveryRow& row, std::int64_t now, OutboxRound& round, RoundState& state) {
    const auto& a = row.alert;
    const auto sink = sinks_.find(row.sink);
    if (sink == sinks_.end()) {
        in_transaction(ledger_, [&] {
            delivery_.delivery_retry(a.id, row.sink, now + 3600, "no sink named '" + row.sink + "' is running", now);
        });
        ++round.retried;
        return false;
    }
    // A sink that just failed is not tried again in the same round: one refused connection
    // says enough, and each try could wait for a time-out. Its other deliveries wait as long
    // as the one that failed, so they all go together when it returns.
    if (auto d = state.down.find(row.sink); d != state.down.end()) {
        in_transaction(ledger_, [&] {
            delivery_.delivery_retry(a.id, row.sink, std::max(row.next_attempt_at, d->second.first),
                                     "not tried: " + d->second.second, now);
        });
        ++round.retried;
        return false;
    }
    const auto result = sink->second->deliver(a);
    bool raise_failure = false;
    in_transaction(ledger_, [&] {
        if (result.delivered) {
            delivery_.delivery_succeeded(a.id, row.sink, now);
            ++round.delivered;
            spdlog::info("alert {} ({} {}, {}) delivered via {}", a.id, a.kind, reason_word(a), to_string(a.severity),
                         row.sink);
        } else if (result.retryable) {
            const auto delay = retry_delay(row.attempts);
            delivery_.delivery_retry(a.id, row.sink, now + delay, result.error, now);
            state.down[row.sink] = {now + delay, result.error};
            ++round.retried;
            spdlog::warn("alert {} not delivered via {} ({}); retrying in {} s", a.id, row.sink, result.error, delay);
        } else {
            delivery_.delivery_failed(a.id, row.sink, result.error);
            ++round.failed;
            spdlog::error("alert {} permanently failed via {}: {}", a.id, row.sink, result.error);
            // A failure about a failure would chase itself round a broken sink for ever.
            raise_failure = !(a.kind == "internal" && a.rule == condition::delivery_failed);
        }
    });
    if (raise_failure && internal_)
        internal_->raise("delivery_failed:" + std::to_string(a.id) + ":" + row.sink, condition::delivery_failed,
                         Severity::high, "an alert could not be delivered to " + row.sink,
                         "alert " + std::to_string(a.id) + " (" + a.subject + ") was refused for good by " +
                             row.sink + ": " + result.error,
                         now);
    return result.delivered;
}

void AlertOutbox::sink_returned(const DeliveryRow& probe, std::int64_t now, OutboxRound& round, RoundState& state,
                                std::deque<DeliveryRow>& queue) {
    // The sink refused alerts before and has just taken one: everything it still owes goes now,
    // not at each row's own backoff time (which may be up to an hour away).
    std::vector<DeliveryRow> rest;
    std::int64_t oldest = probe.first_failed_at;
    for (auto& f : delivery_.failing_deliveries(probe.sink)) {
        if (state.done.count(key(f))) continue;
        oldest = std::min(oldest, f.first_failed_at);
        rest.push_back(std::move(f));
    }
    if (rest.empty()) return;
    const bool long_outage = now - oldest >= settings_.backlog_digest_after.count();
    const bool many = static_cast<std::int64_t>(rest.size()) + 1 >= settings_.backlog_digest_min;
    if (!(long_outage && many && rest.size() >= 2)) {
        for (auto& r : rest) queue.push_back(std::move(r));
        return;
    }
    // A long outage: the backlog goes as one digest rather than a flood.
    std::vector<Alert> alerts;
    for (const auto& r : rest) {
        alerts.push_back(r.alert);
        state.done.insert(key(r));
    }
    DeliveryRow d;
    d.alert = compose_digest(alerts, DigestCause::backlog, now);
    in_transaction(ledger_, [&] { d.alert.id = delivery_.add_digest(d.alert, probe.sink, now); });
    d.sink = probe.sink;
    d.mode = "immediate";
    d.state = "pending";
    d.next_attempt_at = now;
    ++round.digests;
    spdlog::info("{} is back after {} s: its backlog of {} alerts goes as digest {}", probe.sink, now - oldest,
                 alerts.size(), d.alert.id);
    queue.push_front(std::move(d));
}

void AlertOutbox::deliver_rows(std::vector<DeliveryRow> rows, std::int64_t now, OutboxRound& round,
                               RoundState& state) {
    std::deque<DeliveryRow> queue(std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    while (!queue.empty()) {
        auto row = std::move(queue.front());
        queue.pop_front();
        if (!state.done.insert(key(row)).second) continue;  // already tried, or digested, this round
        const bool was_failing = row.first_failed_at != 0;
        if (deliver_one(row, now, round, state) && was_failing) sink_returned(row, now, round, state, queue);
    }
}

std::string AlertOutbox::key(const DeliveryRow& row) { return std::to_string(row.alert.id) + "@" + row.sink; }

OutboxRound AlertOutbox::deliver_due(std::int64_t now) {
    OutboxRound round = route_new(now);
    gather_digests(now, round);
    RoundState state;
    deliver_rows(delivery_.due_deliveries(now, kBatch), now, round, state);
    // Internal alerts raised this round (a permanent failure) go out in the same round.
    if (round.failed && internal_) {
        const auto more = route_new(now);
        round.routed += more.routed;
        round.silenced += more.silenced;
        deliver_rows(delivery_.due_deliveries(now, kBatch), now, round, state);
    }
    return round;
}

}  // namespace gpwatch::alerts
