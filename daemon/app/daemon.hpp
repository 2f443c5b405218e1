#pragma once
// Daemon: gpwatchd's event loop. Wires the clinical feed to the ledger through policy, with group
// commit; acknowledges upstream only after a commit; runs the review clock and the alert outbox;
// handles SIGTERM (drain, exit 0), SIGHUP (validated reload) and systemd notifications.
// Single-threaded: every handler runs on one io_context, so nothing here needs a lock.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include "connectors/clinical_feed/feed_client.hpp"
#include "connectors/mail/maildir_sink.hpp"
#include "daemon/alerts/alert_outbox.hpp"
#include "daemon/app/alert_delivery.hpp"
#include "daemon/app/lmc_reporter.hpp"
#include "daemon/app/mesh_inlet.hpp"
#include "daemon/app/systemd_notifier.hpp"
#include "daemon/ingest/active_settings.hpp"
#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"
#include "daemon/review/review_clock.hpp"

namespace gpwatch {

struct DaemonOptions {
    std::string config_path;
    std::optional<std::string> state_dir_override;
};

class Daemon {
public:
    // Opens the state directory, ledger and inbox; throws std::runtime_error naming what failed.
    Daemon(DaemonOptions options, Settings settings);
    ~Daemon();
    // Runs until SIGTERM/SIGINT; returns the process exit code.
    int run();

private:
    void on_event(RecordEvent&& ev);
    void flush();
    void arm_review_timer();
    void on_review_due();
    void deliver_alerts();
    // Posts one delivery round soon (coalesced): a sink's result came back and more may be due.
    void request_delivery_round();
    void arm_outbox_timer();
    void check_health();  // internal alerts about gpwatchd itself, every delivery.internal.check_every
    void arm_watchdog();
    void wait_signals();
    void reload();
    void begin_shutdown(const char* why);
    void start_feed();
    void start_mesh();
    void start_reporting();
    void restart_mesh_if_changed(const MeshSettings& before);
    void on_mesh_report(const mesh::MeshReport& report);
    // After a commit: tell MESH about every message of the batch, and alert on REPORTs.
    void acknowledge_mesh(const std::vector<RecordEvent>& committed);
    void reschedule_all_deadlines();
    clinical_feed::FeedClientOptions feed_options() const;
    void fatal(const std::string& what);

    DaemonOptions options_;
    boost::asio::io_context ioc_;
    boost::asio::signal_set signals_;
    ActiveSettingsPtr active_;
    std::string state_dir_;
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<Pseudonymiser> pseudonymiser_;
    std::unique_ptr<RecordIngest> ingest_;
    std::unique_ptr<AlertDelivery> delivery_;  // sinks, outbox, internal alerts (alert_delivery.hpp)
    std::unique_ptr<LmcReporter> reporter_;    // LMC reports, only with a reporting: section (lmc_reporter.hpp)
    std::unique_ptr<clinical_feed::ClinicalFeedClient> feed_;
    std::unique_ptr<MeshInlet> mesh_;
    ReviewClock review_clock_;
    SystemdNotifier notifier_;

    std::vector<RecordEvent> pending_;
    boost::asio::steady_timer flush_timer_;
    bool flush_armed_ = false;
    boost::asio::system_timer review_timer_;
    boost::asio::system_timer outbox_timer_;
    boost::asio::steady_timer health_timer_;
    boost::asio::steady_timer watchdog_timer_;
    boost::asio::steady_timer shutdown_guard_;
    bool shutting_down_ = false;
    bool delivery_round_posted_ = false;
    int exit_code_ = 0;
};

// Applies --state-dir: the state directory, and the duty inbox when it was left at its default.
Settings with_state_dir(Settings s, const std::string& state_dir);

}  // namespace gpwatch
