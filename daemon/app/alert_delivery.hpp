#pragma once
// AlertDelivery: everything gpwatchd needs to get alerts out, behind the few calls the Daemon
// makes. It owns the sinks built from the settings (delivery.sinks, or the duty inbox Maildir
// alone), the outbox that routes, holds, gathers and delivers through them, the internal alerts
// about gpwatchd itself and the periodic health look that raises them.
//
// Single-threaded like the Daemon: every call comes from its event loop. Time is passed in.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/alerts/alert_outbox.hpp"
#include "daemon/alerts/health_watch.hpp"
#include "daemon/alerts/internal_alerts.hpp"
#include "daemon/alerts/sink_factory.hpp"
#include "daemon/ledger/ledger.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

class AlertDelivery {
public:
    // Builds every sink; throws std::runtime_error naming the sink that cannot be built, so a bad
    // destination stops the start rather than losing alerts later.
    AlertDelivery(Ledger& ledger, const Settings& settings);
    ~AlertDelivery();

    // Routes new alerts and delivers what is due at `now` (unix seconds). Throws on ledger errors.
    alerts::OutboxRound deliver(std::int64_t now);
    // When deliver() has something to do next (unix seconds), or 0 when nothing is pending.
    std::int64_t next_due();

    // The periodic health look (feed, disk, outbox); raises or clears internal alerts. Call every
    // health_every(), then deliver().
    void check_health(bool feed_enabled, bool feed_connected, std::int64_t now);
    std::chrono::seconds health_every() const;

    // Settings reloaded: routes, quiet hours, digests and thresholds take effect at once; sinks are
    // built once, so a changed sink is logged as needing a restart.
    void reconfigure(const Settings& next);
    // A reload was refused (raises reload_refused once) or accepted (clears it). These and
    // set_condition() log rather than throw when the ledger cannot record them.
    void reload_refused(const std::string& why, std::int64_t now);
    void reload_accepted(std::int64_t now);
    // Any other component's condition (e.g. MESH credentials refused): on raises it once, off
    // clears it.
    void set_condition(const std::string& condition, bool on, Severity severity, const std::string& headline,
                       const std::string& detail, std::int64_t now);
    // A one-off event (a MESH REPORT): one internal alert per `key`, however often it is raised
    // (the same report downloaded again after a crash). True once it is in the ledger; false when
    // the ledger could not record it (the caller must not consider it handled).
    bool raise_event(const std::string& key, const std::string& condition, Severity severity,
                     const std::string& headline, const std::string& detail, std::int64_t now);

private:
    Ledger& ledger_;
    Settings settings_;
    alerts::SinkSet sinks_;
    std::unique_ptr<alerts::InternalAlerts> internal_;
    std::unique_ptr<alerts::AlertOutbox> outbox_;
    std::unique_ptr<alerts::HealthWatch> health_;
};

}  // namespace gpwatch
