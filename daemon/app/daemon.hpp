#pragma once
// Daemon: gpwatchd's event loop. Wires the inlets (inlet.hpp: the clinical feed, MESH) to the
// ledger through policy, with group commit; acknowledges upstream only after a commit; runs the
// review scheduler and the alert outbox; handles SIGTERM (drain, exit 0), SIGHUP (validated
// reload) and systemd notifications; writes gpwatchd.status for gpwatchctl.
//
// Where each job is: daemon.cpp the wiring (start, inlets, delivery rounds, health, signals);
// daemon_commit.cpp group commit (the pending batch, flush, high-water, acknowledgement after the
// commit) and what happens when the ledger refuses it; daemon_reload.cpp SIGHUP; daemon_shutdown.cpp
// SIGTERM (drain, guard); daemon_status.cpp gpwatchd.status.
//
// Single-threaded: every handler runs on one io_context, so nothing here needs a lock. Nothing on
// it waits for the network: the inlets are asynchronous, and each alert sink and
// the LMC upload deliver on threads of their own and post their results back.
//
// When the ledger refuses a write (a full disk, an I/O error) gpwatchd does not exit: it drops what
// was not committed (nothing of it was acknowledged, so upstream delivers it again), stops the
// inlets, says so through the sinks that need no local disk, and tries the ledger every few
// seconds; once a write succeeds it records what happened and picks up where the ledger left off.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/app/alert_delivery.hpp"
#include "daemon/app/inlet.hpp"
#include "daemon/app/ledger_opening.hpp"
#include "daemon/app/lmc_reporter.hpp"
#include "daemon/app/review_scheduler.hpp"
#include "daemon/app/systemd_notifier.hpp"
#include "daemon/ingest/active_settings.hpp"
#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"
#include "daemon/status/runtime_status.hpp"

namespace gpwatch {

struct DaemonOptions {
    std::string config_path;
    std::optional<std::string> state_dir_override;
    bool new_ledger = false;  // --new-ledger: start afresh, setting the old ledger aside
    bool accept_rewound_ledger = false;  // --accept-rewound-ledger: carry on with a ledger behind its high-water record
};

class Daemon {
public:
    // Takes the state directory (one gpwatchd per directory), opens the ledger and inboxes;
    // throws StartRefused (exit 2) when starting would lose or repeat something, and
    // std::runtime_error naming what failed otherwise.
    Daemon(DaemonOptions options, Settings settings);
    ~Daemon();
    // Runs until SIGTERM/SIGINT; returns the process exit code.
    int run();
    // After run(): a sink's thread was abandoned inside a hung delivery (see AlertDelivery).
    bool threads_left() const { return delivery_ && delivery_->threads_left(); }

private:
    void on_event(RecordEvent&& ev);
    void flush();
    void deliver_alerts();
    // Posts one delivery round soon (coalesced): a sink's result came back and more may be due.
    void request_delivery_round();
    void arm_outbox_timer();
    void check_health();  // internal alerts about gpwatchd itself, every delivery.internal.check_every
    void arm_watchdog();
    void wait_signals();
    void reload();
    void begin_shutdown(const char* why);
    // Stopping: delivery rounds until no sink is delivering or `until` has passed, then `then`.
    void drain_deliveries(std::chrono::steady_clock::time_point until, std::function<void()> then);
    // One inlet of each kind (inlet_kinds()); `inlet` is null while it is stopped or left off.
    struct InletSlot {
        const InletKind* kind;
        std::unique_ptr<Inlet> inlet;
        InletStatus last;  // what it last said when it was stopped (status while degraded)
    };
    InletContext inlet_context();
    void start_inlets();
    // Stops every inlet; what they handed over and is not committed is simply delivered again by
    // the next ones (nothing of it was acknowledged).
    void stop_inlets();
    void start_inlet(InletSlot& slot);
    void stop_inlet(InletSlot& slot);  // deleted once it has stopped
    bool any_inlet_running() const;
    const InletSlot* inlet_slot(const std::string& name) const;
    // What the inlet says now, or (stopped) what it last said.
    InletStatus inlet_status(const InletSlot& slot) const;
    void start_reporting();
    void make_review_scheduler();
    // The ledger refused a write: see the class comment.
    void ledger_failed(const std::string& what);
    void probe_ledger();
    void arm_probe();  // probe_ledger() again in a few seconds
    void note_new_ledger(const LedgerOpening& opening);
    void note_rewound_ledger(const LedgerOpening& opening);
    // After a commit, before a peer may rely on it (an acknowledgement upstream): records how far
    // the ledger got in ledger.highwater. False (and the ledger treated as failed) when that
    // cannot be recorded. Alert ids are recorded one by one as sinks are given them (the
    // outbox's naming hook).
    bool record_high_water();
    // gpwatchd.status, every few seconds and at each change of state (daemon_status.cpp).
    status::RuntimeStatus runtime_status() const;
    void write_status();
    void arm_status_timer();

    DaemonOptions options_;
    boost::asio::io_context ioc_;
    boost::asio::signal_set signals_;
    ActiveSettingsPtr active_;
    std::string state_dir_;
    std::unique_ptr<status::InstanceLock> lock_;
    std::unique_ptr<Ledger> ledger_;
    HighWaterRecord high_water_{""};
    std::int64_t mesh_messages_ = 0;  // MESH messages the ledger holds (for the high-water record)
    std::unique_ptr<Pseudonymiser> pseudonymiser_;
    std::unique_ptr<RecordIngest> ingest_;
    std::unique_ptr<AlertDelivery> delivery_;  // sinks, outbox, internal alerts (alert_delivery.hpp)
    std::unique_ptr<LmcReporter> reporter_;    // LMC reports, only with a reporting: section (lmc_reporter.hpp)
    std::unique_ptr<ReviewScheduler> review_;
    std::vector<InletSlot> inlets_;
    SystemdNotifier notifier_;

    std::vector<RecordEvent> pending_;
    boost::asio::steady_timer flush_timer_;
    bool flush_armed_ = false;
    boost::asio::system_timer outbox_timer_;
    boost::asio::steady_timer health_timer_;
    boost::asio::steady_timer watchdog_timer_;
    boost::asio::steady_timer status_timer_;
    boost::asio::steady_timer probe_timer_;
    boost::asio::steady_timer shutdown_guard_;
    boost::asio::steady_timer drain_timer_;  // stopping: waits for sinks still delivering
    std::int64_t started_at_ = 0;
    bool ready_ = false;
    bool deadlines_loaded_ = false;
    bool shutting_down_ = false;
    bool delivery_round_posted_ = false;
    // The ledger refuses writes: since when (unix seconds; 0: it takes them) and why.
    std::int64_t ledger_failed_since_ = 0;
    std::string ledger_error_;
    int exit_code_ = 0;
};

// Applies --state-dir: the state directory, and the inboxes when they were left at their defaults.
Settings with_state_dir(Settings s, const std::string& state_dir);

}  // namespace gpwatch
