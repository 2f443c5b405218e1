#include "daemon/app/alert_delivery.hpp"

#include <spdlog/spdlog.h>

#include "daemon/alerts/alert_router.hpp"

namespace gpwatch {

namespace {

// Messages told without the ledger take ids from a space of their own, far above any id the
// ledger hands out, so that no sink's idempotency key (Message-ID, task dedupe_key, webhook alert
// id) ever confuses one with a real alert.
constexpr std::int64_t kDirectIdBase = 9'000'000'000'000'000LL;

std::string practice_label(const Settings& s) { return s.practice_name + " (" + s.practice_ods + ")"; }

}  // namespace

AlertDelivery::AlertDelivery(boost::asio::any_io_executor loop, Ledger& ledger, const Settings& settings,
                             std::function<void()> more_to_do, std::function<void(const std::string&)> ledger_failed)
    : ledger_(ledger), settings_(settings) {
    std::map<std::string, alerts::DeliveryLane*> lanes;
    std::string names;
    for (auto& [name, sink] : alerts::build_sinks(settings_)) {
        names += (names.empty() ? "" : ", ") + name + " (" + sink->name() + ")";
        auto worker = std::make_unique<alerts::SinkWorker>(loop, name, std::move(sink));
        lanes[name] = worker.get();
        workers_[name] = std::move(worker);
    }
    internal_ = std::make_unique<alerts::InternalAlerts>(ledger_, practice_label(settings_),
                                                         settings_.calendar.time_zone);
    outbox_ = std::make_unique<alerts::AlertOutbox>(ledger_, std::move(lanes), settings_.delivery, settings_.calendar,
                                                    settings_.practice_ods, internal_.get());
    more_to_do_ = more_to_do;
    outbox_->set_hooks({std::move(more_to_do), std::move(ledger_failed), {}});
    health_ = std::make_unique<alerts::HealthWatch>(*internal_, outbox_->deliveries());
    next_direct_id_ = kDirectIdBase +
                      std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                              .count() *
                          1000;
    spdlog::info("alert delivery: sinks {}, each on its own worker; {} route(s); quiet hours {}; at most {} "
                 "messages per sink in {} s, then digests",
                 names, settings_.delivery.routes.size(), settings_.delivery.quiet_hours ? "on" : "off",
                 settings_.delivery.flood_limit, settings_.delivery.flood_window.count());
}

AlertDelivery::~AlertDelivery() { stop(std::chrono::milliseconds(0)); }

alerts::OutboxRound AlertDelivery::deliver(std::int64_t now) { return outbox_->deliver_due(now); }

std::int64_t AlertDelivery::next_due() { return outbox_->next_due(); }

void AlertDelivery::check_health(alerts::HealthObservation seen, std::int64_t now) {
    seen.disk_free_bytes = alerts::disk_free_bytes(settings_.state_dir);
    health_->check(settings_.delivery.internal, seen, now);
}

std::chrono::seconds AlertDelivery::health_every() const { return settings_.delivery.internal.check_every; }

void AlertDelivery::reconfigure(const Settings& next) {
    // Secrets are files, so their names and not their contents are compared: a rotated token
    // needs no restart.
    if (next.delivery.sinks != settings_.delivery.sinks)
        spdlog::warn("reload: delivery sinks changed; the sinks gpwatchd started with stay in use until the "
                     "next start (routes, quiet hours, digests and thresholds apply now)");
    auto kept_sinks = settings_.delivery.sinks;
    settings_ = next;
    settings_.delivery.sinks = std::move(kept_sinks);
    internal_->set_practice(practice_label(settings_), settings_.calendar.time_zone);
    outbox_->configure(settings_.delivery, settings_.calendar);
}

void AlertDelivery::reload_refused(const std::string& why, std::int64_t now) {
    set_condition(alerts::condition::reload_refused, true, Severity::high, "a settings reload was refused",
                  why + "; the previous settings stay in force", now);
}

void AlertDelivery::reload_accepted(std::int64_t now) {
    set_condition(alerts::condition::reload_refused, false, Severity::high, "", "", now);
}

void AlertDelivery::set_condition(const std::string& condition, bool on, Severity severity,
                                  const std::string& headline, const std::string& detail, std::int64_t now) {
    if (!settings_.delivery.internal.enabled) return;
    // Called from the paths that report trouble (reload, MESH): a ledger that cannot record the
    // internal alert is logged here; the ledger's own trouble is handled where it is met.
    try {
        if (on) internal_->raise(condition, condition, severity, headline, detail, now);
        else internal_->clear(condition, condition, settings_.delivery.internal.notify_on_clear, now);
    } catch (const std::exception& e) {
        spdlog::error("cannot record internal condition {}: {}", condition, e.what());
    }
}

bool AlertDelivery::raise_event(const std::string& key, const std::string& condition, Severity severity,
                                const std::string& headline, const std::string& detail, std::int64_t now) {
    // Not subject to internal.enabled: a REPORT is about a patient's message going astray, not
    // about gpwatchd's own health.
    try {
        internal_->raise_once(key, condition, severity, headline, detail, now);
        return true;
    } catch (const std::exception& e) {
        spdlog::error("cannot record {}: {}", condition, e.what());
        return false;
    }
}

void AlertDelivery::tell_without_ledger(const std::string& condition, const std::string& headline,
                                        const std::string& detail, std::int64_t now) {
    // A disk at the edge of full can fail, recover and fail again every few seconds: one message
    // an hour is enough to bring the admin; the log and `gpwatchctl status` say the rest.
    if (last_told_at_ != 0 && now - last_told_at_ < kTellAgainAfter) {
        // Held, not dropped: told when the hour is up if the ledger still refuses by then.
        held_ = HeldTell{condition, headline, detail, last_told_at_ + kTellAgainAfter};
        spdlog::error("{}: {} (the admin was told without the ledger {} s ago; told again in {} s if this lasts)",
                      headline, detail, now - last_told_at_, held_->at - now);
        return;
    }
    Alert a;
    a.id = ++next_direct_id_;
    a.ledger_id = ledger_.identity();  // read at start: no query on the ledger that refuses
    a.kind = "internal";
    a.condition = condition;
    a.rule = condition;
    a.severity = Severity::urgent;
    a.created_at = now;
    a.subject = "[URGENT] gpwatch: " + headline;
    a.body = "URGENT: " + headline + ".\n\nWhat:     " + detail + "\nWhere:    gpwatchd at " +
             practice_label(settings_) + "\n\nWhat to do: " + alerts::internal_what_to_do(condition) +
             "\n\n--\ngpwatch internal alert (" + condition + "), sent without the ledger: it could not be "
             "recorded\n";
    // Where the routes send this condition (the admin, unless a route says otherwise), less the
    // sinks that write to the local disk that refuses.
    std::vector<std::string> routed;
    for (const auto& c : alerts::route(settings_.delivery, a)) routed.push_back(c.sink);
    if (routed.empty()) routed = settings_.delivery.default_sinks;
    untold_ = a;
    untold_sinks_.clear();
    std::string on_disk;
    for (const auto& name : routed) {
        const auto it = workers_.find(name);
        if (it == workers_.end()) continue;
        if (it->second->needs_local_disk()) on_disk += (on_disk.empty() ? "" : ", ") + name;
        else untold_sinks_.insert(name);
    }
    if (untold_sinks_.empty()) {
        spdlog::error("{}: {}; the sinks this condition is routed to ({}) write to the local disk, so nobody can be "
                      "told until it takes writes (route internal alerts to an SMTP, webhook or task sink as well)",
                      headline, detail, on_disk.empty() ? std::string("none") : on_disk);
        return;
    }
    last_told_at_ = now;
    hand_untold();
}

void AlertDelivery::tell_untold(std::int64_t now) {
    if (held_ && now >= held_->at) {
        const auto h = std::move(*held_);
        held_.reset();
        tell_without_ledger(h.condition, h.headline, h.detail, now);
        return;  // it hands the message to every free sink itself
    }
    hand_untold();
}

void AlertDelivery::hand_untold() {
    for (auto it = untold_sinks_.begin(); it != untold_sinks_.end();) {
        auto& worker = workers_.at(*it);
        if (!worker->idle()) {  // busy with an alert of its own: told on the next try
            ++it;
            continue;
        }
        worker->submit(untold_, [this, name = *it, id = untold_.id](const DeliveryResult& r) {
            if (r.delivered) spdlog::warn("told {} (message {}) without the ledger", name, id);
            else spdlog::error("could not tell {} without the ledger: {}", name, r.error);
            if (more_to_do_) more_to_do_();  // the lane is free again for what the outbox owes it
        });
        it = untold_sinks_.erase(it);
    }
}

void AlertDelivery::ledger_back() {
    untold_sinks_.clear();
    held_.reset();
}

bool AlertDelivery::delivering() const {
    for (const auto& [name, worker] : workers_)
        if (!worker->idle()) return true;
    return false;
}

void AlertDelivery::stop(std::chrono::milliseconds grace) {
    outbox_->stop();
    const auto until = std::chrono::steady_clock::now() + grace;
    for (auto& [name, worker] : workers_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (!worker->stop(std::max(left, std::chrono::milliseconds(0)))) threads_left_ = true;
    }
}

std::map<std::string, alerts::SinkTotals> AlertDelivery::totals() const { return outbox_->totals(); }

std::string AlertDelivery::sink_type(const std::string& sink) const {
    const auto it = workers_.find(sink);
    return it == workers_.end() ? "" : it->second->type();
}

}  // namespace gpwatch
