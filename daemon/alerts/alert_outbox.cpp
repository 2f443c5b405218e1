#include "daemon/alerts/alert_outbox.hpp"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "connectors/mail/rfc5322.hpp"
#include "daemon/alerts/alert_router.hpp"
#include "daemon/alerts/digest_composer.hpp"
#include "daemon/alerts/quiet_hours.hpp"
#include "daemon/alerts/silence_matcher.hpp"

namespace gpwatch::alerts {

namespace {

constexpr int kBatch = 200;
// The most alerts one flood digest lists; more make a second one in the same moment.
constexpr std::size_t kFloodDigestMax = 5000;
// How long a burst is gathered before its flood digest goes: long enough for a catch-up of
// thousands to be routed (a slice per turn of the loop), short enough for urgent alerts.
constexpr std::int64_t kFloodGather = 10;

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

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string duration_words(std::int64_t seconds) {
    if (seconds % 3600 == 0 && seconds >= 3600) return std::to_string(seconds / 3600) + " h";
    if (seconds % 60 == 0 && seconds >= 60) return std::to_string(seconds / 60) + " min";
    return std::to_string(seconds) + " s";
}

// While deliver_due runs, results from inline lanes count in its round and use its time.
struct RoundScope {
    OutboxRound*& slot;
    std::int64_t& now_slot;
    RoundScope(OutboxRound*& s, std::int64_t& n, OutboxRound& round, std::int64_t now) : slot(s), now_slot(n) {
        slot = &round;
        now_slot = now;
    }
    ~RoundScope() { slot = nullptr; }
};

}  // namespace

AlertOutbox::AlertOutbox(Ledger& ledger, std::map<std::string, DeliveryLane*> lanes, DeliverySettings settings,
                         const Calendar& calendar, std::string practice_ods, InternalAlerts* internal)
    : ledger_(ledger), delivery_(ledger), practice_ods_(std::move(practice_ods)), internal_(internal),
      rng_(std::random_device{}()) {
    for (auto& [name, lane] : lanes) sinks_[name].lane = lane;
    configure(std::move(settings), calendar);
}

AlertOutbox::AlertOutbox(Ledger& ledger, std::map<std::string, AlertSink*> sinks, DeliverySettings settings,
                         const Calendar& calendar, std::string practice_ods, InternalAlerts* internal)
    : ledger_(ledger), delivery_(ledger), practice_ods_(std::move(practice_ods)), internal_(internal),
      rng_(std::random_device{}()) {
    for (auto& [name, sink] : sinks) {
        owned_lanes_.push_back(std::make_unique<InlineLane>(*sink));
        sinks_[name].lane = owned_lanes_.back().get();
    }
    configure(std::move(settings), calendar);
}

AlertOutbox::AlertOutbox(Ledger& ledger, AlertSink& sink)
    : ledger_(ledger), delivery_(ledger), internal_(nullptr), rng_(std::random_device{}()) {
    owned_lanes_.push_back(std::make_unique<InlineLane>(sink));
    sinks_[sink.name()].lane = owned_lanes_.back().get();
    SinkSettings only;
    only.name = sink.name();
    settings_.sinks.push_back(std::move(only));
    settings_.default_sinks = {sink.name()};
}

AlertOutbox::~AlertOutbox() = default;

void AlertOutbox::configure(DeliverySettings settings, const Calendar& calendar) {
    settings_ = std::move(settings);
    calendar_.emplace(calendar);
}

std::int64_t AlertOutbox::clock_now() const { return hooks_.now ? hooks_.now() : system_now(); }

std::int64_t AlertOutbox::retry_delay(int attempts) {
    std::int64_t step = 5;
    for (int i = 0; i < attempts && step < 3600; ++i) step *= 2;
    step = std::min<std::int64_t>(step, 3600);
    // Between half and all of the step, above half: the clock is in whole seconds, so a delay of
    // 2 s could come round in little over 1 s.
    std::uniform_int_distribution<std::int64_t> jitter(step / 2 + 1, step);
    return jitter(rng_);
}

std::int64_t AlertOutbox::next_due() {
    std::int64_t best = 0;
    for (const auto& [sink, at] : delivery_.next_attempt_by_sink()) {
        const auto it = sinks_.find(sink);
        // A sink gpwatchd did not start with waits for a restart; a busy lane's result asks for
        // the next round itself.
        if (it == sinks_.end() || !it->second.lane->idle()) continue;
        best = best == 0 ? at : std::min(best, at);
    }
    return best;
}

std::map<std::string, SinkTotals> AlertOutbox::totals() const {
    std::map<std::string, SinkTotals> out;
    for (const auto& [name, st] : sinks_) {
        auto t = st.totals;
        t.in_flight = !st.lane->idle();
        t.down_until = st.down_until;
        t.last_error = st.down_error;
        t.flood_hold_until = std::max(st.hold_until, st.gather_until);
        out[name] = std::move(t);
    }
    return out;
}

OutboxRound AlertOutbox::route_new(std::int64_t now) {
    OutboxRound round;
    auto alerts = delivery_.unrouted_alerts(kBatch);
    if (alerts.empty()) return round;
    round.more_to_route = alerts.size() == static_cast<std::size_t>(kBatch);
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
            // Every alert about a write after its first threads under the first, in every mail
            // client (In-Reply-To/References) and for the task and webhook sinks (thread_id).
            if (a.kind == "write" && a.write_id != 0 && a.in_reply_to_alert.empty())
                if (const auto first = delivery_.first_alert_of_write(a.write_id); first != 0 && first != a.id)
                    delivery_.set_in_reply_to(a.id, mail::bare_message_id(first, ledger_.identity(), practice_ods_));
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
    // What a lane is delivering right now stays out of every digest: it would reach the sink twice.
    const auto in_flight = [this](std::int64_t alert_id, const std::string& sink) {
        const auto it = sinks_.find(sink);
        return it != sinks_.end() && it->second.in_flight == alert_id;
    };
    for (const auto& row : delivery_.due_digest_deliveries(now, kBatch)) {
        if (in_flight(row.alert.id, row.sink)) continue;
        const std::string group = row.sink + "\n" + row.alert.kind + "\n" + reason_word(row.alert);
        if (!groups_done.insert(group).second) continue;
        std::vector<Alert> alerts;
        for (const auto& p : delivery_.pending_digest_deliveries(row.sink))
            if (p.alert.kind == row.alert.kind && reason_word(p.alert) == reason_word(row.alert) &&
                p.next_attempt_at <= horizon && !in_flight(p.alert.id, p.sink) && taken.insert(std::to_string(p.alert.id) + "@" + p.sink).second)
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

bool AlertOutbox::limit_flood(const std::string& sink, SinkState& st, std::vector<DeliveryRow>& due,
                              std::int64_t now, OutboxRound& round) {
    const auto window = settings_.flood_window.count();
    while (!st.sent.empty() && st.sent.front() <= now - window) st.sent.pop_front();
    // Digests (a route's window, a backlog, an earlier flood) are one message already: never held.
    std::vector<DeliveryRow> alerts;
    for (auto& r : due)
        if (r.alert.kind != "digest") alerts.push_back(r);
    if (alerts.empty()) return false;

    const auto hold_these = [&](std::int64_t until, const std::vector<DeliveryRow>& which) {
        std::set<std::int64_t> held;
        in_transaction(ledger_, [&] {
            for (const auto& r : which) {
                delivery_.reschedule(r.alert.id, sink, until);
                held.insert(r.alert.id);
            }
        });
        round.held += static_cast<int>(which.size());
        due.erase(std::remove_if(due.begin(), due.end(), [&](const DeliveryRow& r) { return held.count(r.alert.id) > 0; }),
                  due.end());
    };
    const auto hold = [&](std::int64_t until) { hold_these(until, alerts); };
    if (now < st.gather_until) {  // a burst is being gathered for its digest
        hold(st.gather_until);
        return true;
    }
    if (now < st.hold_until) {
        // A flood is on: what falls due waits for its next digest, except urgent alerts while the
        // sink has had fewer than flood_limit messages in the window (the digest counts as one):
        // an unauthorised write does not wait ten minutes behind a catch-up.
        auto room = settings_.flood_limit - static_cast<std::int64_t>(st.sent.size());
        std::vector<DeliveryRow> wait;
        for (const auto& r : alerts) {
            if (r.alert.severity == Severity::urgent && room > 0) --room;
            else wait.push_back(r);
        }
        hold_these(st.hold_until, wait);
        return wait.size() == alerts.size();
    }
    const bool gathered_burst = st.gather_until != 0 && alerts.size() >= 2;
    st.gather_until = 0;
    if (gathered_burst) {
        // The burst has had its moment to arrive whole (a catch-up is routed a slice at a time):
        // one digest of everything due now (more than one only past kFloodDigestMax), then a pause.
        std::vector<std::int64_t> ids;
        for (std::size_t from = 0; from < alerts.size(); from += kFloodDigestMax) {
            std::vector<Alert> gathered;
            for (std::size_t i = from; i < std::min(alerts.size(), from + kFloodDigestMax); ++i)
                gathered.push_back(alerts[i].alert);
            const Alert digest = compose_digest(gathered, DigestCause::flood, now);
            in_transaction(ledger_, [&] { ids.push_back(delivery_.add_digest(digest, sink, now)); });
            ++st.totals.flood_digests;
            ++round.digests;
        }
        st.hold_until = now + window;
        spdlog::warn("flood limit: {} alerts fell due for {} at once (limit {} per {}); sent as {} digest(s) from "
                     "alert {}, and what falls due before unix {} waits for the next digest",
                     alerts.size(), sink, settings_.flood_limit, duration_words(window), ids.size(), ids.front(),
                     st.hold_until);
    } else {
        const auto room = settings_.flood_limit - static_cast<std::int64_t>(st.sent.size());
        if (static_cast<std::int64_t>(alerts.size()) <= room) return false;
        if (alerts.size() < 2) {
            // The limit is reached by what went before: this one waits until a message leaves the window.
            st.hold_until = st.sent.empty() ? now + window : st.sent.front() + window;
            hold(st.hold_until);
            spdlog::info("flood limit: {} has had {} messages in {}; alerts for it wait until unix {}", sink,
                         st.sent.size(), duration_words(window), st.hold_until);
            return true;
        }
        // More are due at once than the sink may be sent: gather the burst for a few seconds (the
        // rest of a catch-up is still being routed), then send it as one digest.
        st.gather_until = now + kFloodGather;
        hold(st.gather_until);
        spdlog::info("flood limit: {} alerts fell due for {} at once; gathering them for {} s into one digest",
                     alerts.size(), sink, kFloodGather);
        return true;
    }
    due = delivery_.due_deliveries_for(sink, now, kBatch);  // the digest, and any digest due before it
    due.erase(std::remove_if(due.begin(), due.end(), [](const DeliveryRow& r) { return r.alert.kind != "digest"; }),
              due.end());
    return true;
}

void AlertOutbox::serve(const std::string& sink, SinkState& st, std::int64_t now, OutboxRound& round) {
    while (st.lane->idle()) {
        if (now < st.down_until) {
            // The sink refused the last try: its other deliveries wait as long as that one, so
            // they all go together when it returns (and a silent peer is not tried once per alert).
            const auto due = delivery_.due_deliveries_for(sink, now, -1);
            if (due.empty()) return;
            in_transaction(ledger_, [&] {
                for (const auto& r : due)
                    delivery_.delivery_retry(r.alert.id, sink, std::max(r.next_attempt_at, st.down_until),
                                             "not tried: " + st.down_error, now);
            });
            round.retried += static_cast<int>(due.size());
            return;
        }
        auto due = delivery_.due_deliveries_for(sink, now, -1);
        if (due.empty()) return;
        // A sink that has been refusing is probed with one delivery; once it takes it, what it
        // owes goes as a backlog digest or back through the flood limit (sink_returned).
        if (st.down_until == 0) limit_flood(sink, st, due, now, round);
        if (due.empty()) continue;  // everything held or gathered: look again (a digest may be due)
        // The most severe first (the oldest of them): on a slow relay an urgent alert does not
        // queue behind high ones.
        const auto next = std::max_element(due.begin(), due.end(), [](const DeliveryRow& a, const DeliveryRow& b) {
            return a.alert.severity < b.alert.severity;
        });
        if (hooks_.naming && !hooks_.naming(next->alert.id)) return;  // not recorded: a later round
        dispatch(sink, st, *next, now, round);
    }
}

void AlertOutbox::dispatch(const std::string& sink, SinkState& st, const DeliveryRow& row, std::int64_t now,
                           OutboxRound& round) {
    st.sent.push_back(now);
    ++round.dispatched;
    st.in_flight = row.alert.id;
    // Threading is per sink: under the first alert of the write this sink was given, named by the
    // message that carried it here (itself, or the digest it went in).
    Alert sent = row.alert;
    sent.ledger_id = ledger_.identity();
    if (sent.kind == "write" && sent.write_id != 0) {
        const auto t = delivery_.thread_on_sink(sent.write_id, sink, sent.id);
        sent.in_reply_to_alert = t.root ? mail::bare_message_id(t.root, ledger_.identity(), practice_ods_) : "";
        sent.reply_carrier = t.digest ? mail::bare_message_id(t.digest, ledger_.identity(), practice_ods_) : "";
    }
    st.lane->submit(sent, [this, alive = std::weak_ptr<bool>(alive_), sink, row](const DeliveryResult& r) {
        if (alive.expired() || stopped_) return;
        sinks_[sink].in_flight = 0;
        if (current_round_) {  // an inline lane: inside deliver_due, which handles any error
            record(sink, row, r, current_now_, *current_round_);
            return;
        }
        OutboxRound later;
        try {
            record(sink, row, r, clock_now(), later);
        } catch (const std::exception& e) {
            spdlog::error("alert {}: cannot record its delivery via {}: {}", row.alert.id, sink, e.what());
            if (hooks_.ledger_failed) hooks_.ledger_failed(e.what());
            return;
        }
        if (hooks_.progress) hooks_.progress();
    });
}

void AlertOutbox::record(const std::string& sink, const DeliveryRow& row, const DeliveryResult& result,
                         std::int64_t now, OutboxRound& round) {
    auto& st = sinks_[sink];
    const auto& a = row.alert;
    bool raise_failure = false;
    in_transaction(ledger_, [&] {
        if (result.delivered) {
            delivery_.delivery_succeeded(a.id, sink, now);
            ++round.delivered;
            spdlog::info("alert {} ({} {}, {}) delivered via {}", a.id, a.kind, reason_word(a), to_string(a.severity),
                         sink);
        } else if (result.retryable) {
            // The sink's backoff, not only this alert's: a fresh alert tried on a sink that has
            // refused the last few is not tried again in 5 s.
            const auto delay = retry_delay(std::max(row.attempts, st.failures));
            ++st.failures;
            delivery_.delivery_retry(a.id, sink, now + delay, result.error, now);
            ++round.retried;
            spdlog::warn("alert {} not delivered via {} ({}); retrying in {} s", a.id, sink, result.error, delay);
            st.down_until = now + delay;
            st.down_error = result.error;
        } else {
            delivery_.delivery_failed(a.id, sink, result.error);
            ++round.failed;
            spdlog::error("alert {} permanently failed via {}: {}", a.id, sink, result.error);
            // A failure about a failure would chase itself round a broken sink for ever.
            raise_failure = !(a.kind == "internal" && a.rule == condition::delivery_failed);
        }
    });
    if (result.delivered) {
        ++st.totals.delivered;
        st.failures = 0;
        st.down_until = 0;
        st.down_error.clear();
    } else if (result.retryable) {
        ++st.totals.retried;
    } else {
        ++st.totals.failed;
    }
    if (raise_failure && internal_)
        internal_->raise_once("delivery_failed:" + std::to_string(a.id) + ":" + sink, condition::delivery_failed,
                              Severity::high, "an alert could not be delivered to " + sink,
                              "alert " + std::to_string(a.id) + " (" + a.subject + ") was refused for good by " +
                                  sink + ": " + result.error,
                              now);
    if (result.delivered && row.first_failed_at != 0) sink_returned(row, now, round);
}

void AlertOutbox::sink_returned(const DeliveryRow& probe, std::int64_t now, OutboxRound& round) {
    // The sink refused alerts before and has just taken one: everything it still owes goes now,
    // not at each row's own backoff time (which may be up to an hour away).
    std::vector<DeliveryRow> rest = delivery_.failing_deliveries(probe.sink);
    if (rest.empty()) return;
    std::int64_t oldest = probe.first_failed_at;
    for (const auto& f : rest) oldest = std::min(oldest, f.first_failed_at);
    const bool long_outage = now - oldest >= settings_.backlog_digest_after.count();
    const bool many = static_cast<std::int64_t>(rest.size()) + 1 >= settings_.backlog_digest_min;
    if (!(long_outage && many && rest.size() >= 2)) {
        in_transaction(ledger_, [&] {
            for (const auto& r : rest) delivery_.reschedule(r.alert.id, probe.sink, now);
        });
        return;
    }
    // A long outage: the backlog goes as one digest rather than a flood.
    std::vector<Alert> alerts;
    for (const auto& r : rest) alerts.push_back(r.alert);
    const Alert digest = compose_digest(alerts, DigestCause::backlog, now);
    std::int64_t id = 0;
    in_transaction(ledger_, [&] { id = delivery_.add_digest(digest, probe.sink, now); });
    ++round.digests;
    spdlog::info("{} is back after {} s: its backlog of {} alerts goes as digest {}", probe.sink, now - oldest,
                 alerts.size(), id);
}

OutboxRound AlertOutbox::deliver_due(std::int64_t now) {
    OutboxRound round = route_new(now);
    if (stopped_) return round;
    RoundScope scope(current_round_, current_now_, round, now);
    gather_digests(now, round);
    for (auto& [name, st] : sinks_) serve(name, st, now, round);
    // Internal alerts raised this round (a permanent failure) go out in the same round.
    if (internal_ && delivery_.has_unrouted()) {
        const auto more = route_new(now);
        round.routed += more.routed;
        round.silenced += more.silenced;
        round.more_to_route = more.more_to_route;
        for (auto& [name, st] : sinks_) serve(name, st, now, round);
    }
    return round;
}

}  // namespace gpwatch::alerts
