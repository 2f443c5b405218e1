#include "daemon/app/alert_delivery.hpp"

#include <spdlog/spdlog.h>

namespace gpwatch {

namespace {

std::string practice_label(const Settings& s) { return s.practice_name + " (" + s.practice_ods + ")"; }

// Everything that decides how a sink is built, as one comparable text (secrets are files, so
// their names and not their contents are compared: a rotated token needs no restart).
std::string sink_fingerprint(const Settings& st) {
    std::string f;
    for (const auto& s : st.delivery.sinks) {
        f += s.name + "|" + s.type + "|" + s.maildir + "|" + s.from + "|" + s.url + "|" + s.auth + "|" + s.username +
             "|" + s.password_file + "|" + s.oauth2_token_file + "|" + s.ca_file + "|" + s.secret_file + "|" +
             s.token_file + "|" + s.list + "|";
        for (const auto& t : s.to) f += t + ",";
        f += "\n";
    }
    return f;
}

}  // namespace

AlertDelivery::AlertDelivery(Ledger& ledger, const Settings& settings) : ledger_(ledger), settings_(settings) {
    sinks_ = alerts::build_sinks(settings_);
    internal_ = std::make_unique<alerts::InternalAlerts>(ledger_, practice_label(settings_));
    outbox_ = std::make_unique<alerts::AlertOutbox>(ledger_, alerts::sink_pointers(sinks_), settings_.delivery,
                                                    settings_.calendar, settings_.practice_ods, internal_.get());
    health_ = std::make_unique<alerts::HealthWatch>(*internal_, outbox_->deliveries());
    std::string names;
    for (const auto& [name, sink] : sinks_) names += (names.empty() ? "" : ", ") + name + " (" + sink->name() + ")";
    spdlog::info("alert delivery: sinks {}; {} route(s); quiet hours {}", names, settings_.delivery.routes.size(),
                 settings_.delivery.quiet_hours ? "on" : "off");
}

AlertDelivery::~AlertDelivery() = default;

alerts::OutboxRound AlertDelivery::deliver(std::int64_t now) { return outbox_->deliver_due(now); }

std::int64_t AlertDelivery::next_due() { return outbox_->next_due(); }

void AlertDelivery::check_health(bool feed_enabled, bool feed_connected, std::int64_t now) {
    alerts::HealthObservation seen;
    seen.feed_enabled = feed_enabled;
    seen.feed_connected = feed_connected;
    seen.disk_free_bytes = alerts::disk_free_bytes(settings_.state_dir);
    health_->check(settings_.delivery.internal, seen, now);
}

std::chrono::seconds AlertDelivery::health_every() const { return settings_.delivery.internal.check_every; }

void AlertDelivery::reconfigure(const Settings& next) {
    if (sink_fingerprint(next) != sink_fingerprint(settings_))
        spdlog::warn("reload: delivery sinks changed; the sinks gpwatchd started with stay in use until the "
                     "next start (routes, quiet hours, digests and thresholds apply now)");
    auto kept_sinks = settings_.delivery.sinks;
    settings_ = next;
    settings_.delivery.sinks = std::move(kept_sinks);
    internal_->set_practice(practice_label(settings_));
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
    // internal alert is logged here, and the next delivery round meets it and stops gpwatchd.
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
        internal_->raise(key, condition, severity, headline, detail, now);
        return true;
    } catch (const std::exception& e) {
        spdlog::error("cannot record {}: {}", condition, e.what());
        return false;
    }
}

}  // namespace gpwatch
