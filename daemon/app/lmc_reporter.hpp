#pragma once
// LmcReporter: gpwatchd's reporting loop for the Local Medical Committee. Every
// reporting.check_every (and once shortly after start) it has ReportPreparer seal a new revision
// of each closed week whose controlled counts changed, then uploads every due report through the
// uploader (connectors/lmc_upload) and records the outcome in the ledger's lmc_reports outbox:
//
//   delivered (201, or 409 replayed with our digest)  -> mark_delivered
//   retryable (5xx, 429, time-out, connection, TLS)  -> mark_retry, next attempt 5 s doubling to
//                                                       1 h with jitter; the round stops there
//                                                       (the collector is not taking reports now);
//                                                       still failing a day after it was sealed:
//                                                       one internal alert lmc_upload_delayed
//   refused (any other answer)                        -> one internal alert lmc_upload_refused
//                                                       naming period, revision, status, detail;
//                                                       then mark_failed
//   409 superseded, and the ledger holds a newer      -> mark_failed, no alert (our own newer
//   revision of that week                                revision replaces it)
//
// Threads: the ledger belongs to the event loop's thread; every ledger call here is made on it.
// Only the blocking HTTPS exchange runs on the reporter's own worker thread, one at a time, and its
// outcome is posted back to the event loop. Nothing about patients is handled: reports hold
// controlled counts only, and the log says period, revision and outcome.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "connectors/lmc_upload/lmc_uploader.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/report_ledger.hpp"
#include "daemon/reporting/report_preparer.hpp"
#include "proto/settings.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch {

// What the reporter needs from the daemon (tests supply their own).
struct LmcReporterHooks {
    // Unix seconds now.
    std::function<std::int64_t()> now;
    // Raises one internal alert lmc_upload_refused for `key` (however often called for the same
    // key); true once the ledger holds it. The daemon also delivers it at once.
    std::function<bool(const std::string& key, const std::string& headline, const std::string& detail,
                       std::int64_t now)>
        raise_refused;
    // The same for lmc_upload_delayed: a report still not delivered a day after it was sealed.
    std::function<bool(const std::string& key, const std::string& headline, const std::string& detail,
                       std::int64_t now)>
        raise_delayed;
    // The ledger could not record an outcome: the daemon stops, as for its other ledger failures.
    std::function<void(const std::string& what)> fatal;
};

// The uploader for `settings.upload`, or null when no upload is configured. Throws
// std::invalid_argument naming the setting (unreadable file, not https) so gpwatchd does not start.
std::unique_ptr<lmc_upload::ReportUploader> make_lmc_uploader(const ReportingSettings& settings);

// Seconds before the next attempt after `failures` failed ones (1, 2, ...): 5 s doubling to 1 h,
// drawn uniformly from the upper half of that step so many practices do not retry in step (the
// same schedule as the alert outbox).
std::int64_t lmc_retry_delay(std::int64_t failures, std::mt19937_64& rng);

class LmcReporter {
public:
    // Loads reporting.signing_key_file now: throws reporting::KeyError naming the file when it
    // cannot be used. `uploader` null: reports are prepared and recorded as 'unsent'.
    LmcReporter(boost::asio::any_io_executor io, Ledger& ledger, const Settings& settings,
                std::unique_ptr<lmc_upload::ReportUploader> uploader, LmcReporterHooks hooks);
    ~LmcReporter();
    LmcReporter(const LmcReporter&) = delete;
    LmcReporter& operator=(const LmcReporter&) = delete;

    // The first round runs `first_after` from now, then every check_every (and whenever an
    // upload is due).
    void start(std::chrono::seconds first_after);
    // No further rounds, the upload in progress is cancelled (it stays pending and is sent again
    // at the next start: the collector answers "replayed" if it had stored it).
    void stop();

    // Settings reloaded: what the preparer counts by (settle_after, look_back_weeks, per-writer
    // split, content rule categories, the settings hash) and check_every apply from the next
    // round. The signing key and the upload connection are fixed at start: a change to them is
    // logged as needing a restart.
    void reconfigure(const Settings& next);

    // Records one upload's outcome (the decision table above); returns the next attempt time for
    // a retryable outcome, else 0. Public so tests drive the decisions without a network.
    std::int64_t apply(const StoredReport& report, const lmc_upload::UploadOutcome& outcome, std::int64_t now);

    // One round now, on the calling (event loop) thread: prepare, then upload what is due.
    // Returns false while a previous round's upload is still in progress.
    bool run_round();
    bool busy() const { return in_flight_; }

private:
    void arm();
    void upload_next();
    void on_uploaded(const StoredReport& report, const lmc_upload::UploadOutcome& outcome);
    void prepare(std::int64_t now);

    boost::asio::any_io_executor io_;
    Ledger& ledger_;
    ReportingSettings settings_;  // as started (key file and upload fixed); check_every etc. updated
    reporting::SigningKey key_;
    std::unique_ptr<ReportPreparer> preparer_;
    ReportLedger reports_;
    std::unique_ptr<lmc_upload::ReportUploader> uploader_;
    LmcReporterHooks hooks_;
    boost::asio::system_timer timer_;
    std::mt19937_64 rng_;

    std::int64_t next_check_at_ = 0;
    std::int64_t hold_until_ = 0;  // after collector trouble: no upload before this (unix seconds)
    bool in_flight_ = false;
    bool stopped_ = false;
    std::vector<StoredReport> round_;  // the due reports of the round in progress, in order
    // Shared with handlers posted back from the worker: false once the reporter is gone.
    std::shared_ptr<bool> alive_;
    boost::asio::thread_pool worker_{1};
};

}  // namespace gpwatch
