// Daemon: group commit. Events from every inlet wait in one pending batch; a flush commits the
// batch in one transaction, records how far the ledger got (the high-water record), and only then
// hands the batch back to the inlets to acknowledge upstream. When the ledger refuses a write,
// nothing is acknowledged and the ledger is probed until it takes writes again.

#include <spdlog/spdlog.h>

#include "daemon/alerts/local_time.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/daemon_clock.hpp"

namespace gpwatch {

using boost::system::error_code;
using daemon_clock::now_unix;

namespace {

// How often a ledger that refused a write is tried again.
constexpr auto kLedgerProbeEvery = std::chrono::seconds(5);

}  // namespace

void Daemon::on_event(RecordEvent&& ev) {
    // The ledger refuses writes: nothing is acknowledged, so the inlets deliver it again.
    if (ledger_failed_since_) return;
    pending_.push_back(std::move(ev));
    if (pending_.size() >= active_->settings.ledger.batch_max_events) {
        flush();
        return;
    }
    if (!flush_armed_) {
        flush_armed_ = true;
        flush_timer_.expires_after(active_->settings.ledger.batch_max_delay);
        flush_timer_.async_wait([this](error_code ec) {
            if (ec) return;
            flush();
        });
    }
}

// Group commit: every pending event in one transaction, then (and only then) ack upstream.
void Daemon::flush() {
    if (flush_armed_) {
        flush_armed_ = false;
        flush_timer_.cancel();
    }
    if (pending_.empty()) return;
    if (ledger_failed_since_) {
        pending_.clear();
        return;
    }
    IngestResult result;
    try {
        result = ingest_->apply(*active_, pending_, now_unix());
        mesh_messages_ += result.mesh_messages_recorded;
    } catch (const std::exception& e) {
        // Nothing of the batch is durable and nothing was acknowledged: upstream delivers it again.
        pending_.clear();
        ledger_failed(std::string("cannot commit to the ledger: ") + e.what());
        return;
    }
    // Committed; before an inlet tells its upstream so, the high-water record is (a ledger found
    // behind it later has lost what upstream no longer holds). Not recorded: nothing is
    // acknowledged, and what was committed comes again as replays.
    if (!record_high_water()) {
        pending_.clear();
        return;
    }
    for (auto& slot : inlets_)
        if (slot.inlet) slot.inlet->acknowledge(pending_);
    pending_.clear();
    for (auto id : result.closed) review_->cancel(id);
    for (auto [id, deadline] : result.deadlines) review_->schedule(id, deadline);
    if (!result.deadlines.empty()) review_->wake();
    if (result.alerts_created) deliver_alerts();
}

bool Daemon::record_high_water() {
    try {
        // The MESH count kept here: counting the table each commit would read all of it.
        high_water_.advance({ledger_->identity(), ledger_->cursor(Feed::clinical), mesh_messages_,
                             ledger_->highest_alert_id()});
        return true;
    } catch (const std::exception& e) {
        ledger_failed(std::string("cannot record how far the ledger got: ") + e.what());
        return false;
    }
}

void Daemon::ledger_failed(const std::string& what) {
    ledger_error_ = what;
    if (ledger_failed_since_ || shutting_down_) {
        spdlog::error("{}", what);
        return;
    }
    ledger_failed_since_ = now_unix();
    spdlog::critical("{}; holding back every acknowledgement (nothing upstream is lost) and trying the ledger "
                     "again every {} s",
                     what, kLedgerProbeEvery.count());
    pending_.clear();
    stop_inlets();
    review_->stop();
    notifier_.status("degraded: the ledger refuses writes (" + what + ")");
    delivery_->tell_without_ledger(alerts::condition::ledger_write_failed,
                                   "the ledger cannot be written; gpwatchd is holding back",
                                   what + ". gpwatchd stays up and acknowledges nothing until the ledger takes "
                                          "writes again; nothing upstream is lost.",
                                   ledger_failed_since_);
    write_status();
    arm_probe();
}

void Daemon::arm_probe() {
    probe_timer_.expires_after(kLedgerProbeEvery);
    probe_timer_.async_wait([this](error_code ec) {
        if (!ec) probe_ledger();
    });
}

void Daemon::probe_ledger() {
    if (shutting_down_ || !ledger_failed_since_) return;
    std::string why;
    const auto now = now_unix();
    bool writable = ledger_->probe_write(now, why);
    if (writable) {
        // The high-water record beside it must take writes too (its own file: a full disk may
        // still leave SQLite room in its write-ahead log, not a new file).
        try {
            high_water_.rewrite();
        } catch (const std::exception& e) {
            writable = false;
            why = e.what();
        }
    }
    if (!writable) {
        ledger_error_ = why;
        delivery_->tell_untold(now);
        write_status();
        arm_probe();
        return;
    }
    const auto since = ledger_failed_since_;
    const std::string last_error = ledger_error_;
    // Recorded now that it can be: one alert for the whole episode. If even that fails, the
    // ledger is not back: keep holding.
    const auto& zone = active_->settings.calendar.time_zone;
    const bool recorded = delivery_->raise_event(
        "ledger_write_failed:" + std::to_string(since), alerts::condition::ledger_write_failed, Severity::high,
        "the ledger could not be written for " + std::to_string((now - since + 59) / 60) + " min",
        "from " + alerts::local_time_words(zone, since) + " to " + alerts::local_time_words(zone, now) +
            " the ledger refused writes (" + last_error +
            "). Nothing was lost: no acknowledgement went upstream meanwhile, and the feed and MESH resumed from the "
            "last commit.",
        now);
    if (!recorded) {
        arm_probe();
        return;
    }
    ledger_failed_since_ = 0;
    ledger_error_.clear();
    delivery_->ledger_back();
    spdlog::warn("the ledger takes writes again after {} s; resuming from the last commit", now - since);
    start_inlets();
    deadlines_loaded_ = false;
    review_->reload_all();
    notifier_.status("watching " + active_->settings.practice_ods);
    write_status();
    deliver_alerts();
}

}  // namespace gpwatch
