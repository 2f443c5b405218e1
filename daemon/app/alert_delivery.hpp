#pragma once
// AlertDelivery: everything gpwatchd needs to get alerts out, behind the few calls the Daemon
// makes. It owns one worker per sink built from the settings (delivery.sinks; or the duty and
// admin inbox Maildirs), the outbox that routes, holds, gathers and hands deliveries to those
// workers, the internal alerts about gpwatchd itself and the periodic health look that raises them.
//
// The event loop only hands work over and records outcomes: each sink's deliver() runs on its
// own thread (daemon/alerts/sink_worker), so a mail server that never answers stalls nothing but
// its own deliveries. Every call here comes from the event loop; time is passed in.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "daemon/alerts/alert_outbox.hpp"
#include "daemon/alerts/health_watch.hpp"
#include "daemon/alerts/internal_alerts.hpp"
#include "daemon/alerts/sink_registry.hpp"
#include "daemon/alerts/sink_worker.hpp"
#include "daemon/ledger/ledger.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

class AlertDelivery {
public:
    // Builds every sink and starts its worker; throws std::runtime_error naming the sink that
    // cannot be built, so a bad destination stops the start rather than losing alerts later.
    // `more_to_do` is called on the loop when a delivery's result has been recorded and another
    // round may have work; `ledger_failed` when a result could not be recorded.
    AlertDelivery(boost::asio::any_io_executor loop, Ledger& ledger, const Settings& settings,
                  std::function<void()> more_to_do, std::function<void(const std::string&)> ledger_failed);
    ~AlertDelivery();

    // Routes new alerts and hands what is due at `now` (unix seconds) to the sinks. Throws on
    // ledger errors.
    alerts::OutboxRound deliver(std::int64_t now);
    // When deliver() has something to do next (unix seconds), or 0 when nothing is waiting that
    // an idle sink could take.
    std::int64_t next_due();

    // The periodic health look (feed, disk, outbox); raises or clears internal alerts. Call every
    // health_every(), then deliver().
    // `seen`: what the daemon observed of its inlets; the free disk space is looked at here.
    void check_health(alerts::HealthObservation seen, std::int64_t now);
    // Called before each alert is handed to a sink (see alerts::OutboxHooks::naming).
    void set_naming_hook(std::function<bool(std::int64_t id)> naming) { outbox_->set_naming_hook(std::move(naming)); }
    std::chrono::seconds health_every() const;

    // Settings reloaded: routes, quiet hours, digests, the flood limit and thresholds take effect
    // at once; sinks are built once, so a changed sink is logged as needing a restart.
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

    // Told without the ledger (it cannot record anything: the disk is full): one message through
    // the sinks the condition is routed to (the admin's, by default) that need no local disk
    // (SMTP, webhook, task); a sink busy now is given it by tell_untold(). Not recorded; the
    // condition is recorded properly once the ledger works again. At most once an hour: a second
    // episode within the hour is held and told by tell_untold() when the hour is up.
    void tell_without_ledger(const std::string& condition, const std::string& headline, const std::string& detail,
                             std::int64_t now);
    // Hands that message to the sinks that were busy when it was made, or tells a held one whose
    // hour is up. Call every few seconds while the ledger refuses.
    void tell_untold(std::int64_t now);
    // The ledger takes writes again: what was not yet told is recorded and told the usual way.
    void ledger_back();

    // True while some sink has a delivery in flight.
    bool delivering() const;

    // gpwatchd is stopping: no more hand-overs, deliveries in flight are cancelled and abandoned
    // (retried after the restart). Waits at most `grace` in all for the workers.
    void stop(std::chrono::milliseconds grace);
    // After stop(): some worker was still inside its sink when the grace ran out (a hung peer):
    // its thread is left running, so the process should end without running static destructors.
    bool threads_left() const { return threads_left_; }

    // Per sink: its type and what it has done since the start (gpwatchctl status).
    std::map<std::string, alerts::SinkTotals> totals() const;
    std::string sink_type(const std::string& sink) const;

private:
    Ledger& ledger_;
    Settings settings_;
    std::map<std::string, std::unique_ptr<alerts::SinkWorker>> workers_;
    std::unique_ptr<alerts::InternalAlerts> internal_;
    std::unique_ptr<alerts::AlertOutbox> outbox_;
    std::unique_ptr<alerts::HealthWatch> health_;
    bool threads_left_ = false;
    std::function<void()> more_to_do_;
    // The message told without the ledger, and the sinks still to be given it.
    Alert untold_;
    std::set<std::string> untold_sinks_;
    std::int64_t last_told_at_ = 0;
    void hand_untold();  // the message told without the ledger, to the sinks owed it that are free
    struct HeldTell {
        std::string condition, headline, detail;
        std::int64_t at = 0;  // when it may be told
    };
    std::optional<HeldTell> held_;
    static constexpr std::int64_t kTellAgainAfter = 3600;
    std::int64_t next_direct_id_;  // ids of messages told without the ledger (see tell_without_ledger)
};

}  // namespace gpwatch
