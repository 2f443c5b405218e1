// Daemon: SIGTERM and SIGINT. The inlets stop first, what they handed over is committed, the
// sinks get a last delivery round, and a guard timer ends it all well inside systemd's timeout
// whatever stalls.

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"
#include "daemon/app/daemon_clock.hpp"

namespace gpwatch {

namespace asio = boost::asio;
using boost::system::error_code;
using daemon_clock::now_unix;

namespace {

// How long a stopping gpwatchd gives its last delivery round: what is due when it stops goes
// out, and what a sink takes in that time is recorded (not sent again after the restart).
constexpr auto kDeliveryDrain = std::chrono::seconds(3);
// Then how long it waits for the threads of sinks still delivering (they are abandoned, and
// what they carried goes after the restart).
constexpr auto kSinkGrace = std::chrono::seconds(2);
// Stopping takes at most this long, whatever stalls (systemd's TimeoutStopSec is 15 s).
constexpr auto kShutdownGuard = std::chrono::seconds(8);

}  // namespace

void Daemon::begin_shutdown(const char* why) {
    if (shutting_down_) return;
    shutting_down_ = true;
    notifier_.stopping();
    spdlog::info("{}: draining", why);
    write_status();
    // If draining stalls (a hung peer, a slow disk), stop anyway well inside systemd's timeout.
    const auto guard_at = std::chrono::steady_clock::now() + kShutdownGuard;
    shutdown_guard_.expires_at(guard_at);
    shutdown_guard_.async_wait([this](error_code ec) {
        if (ec) return;
        spdlog::warn("drain took too long; stopping now (nothing unacknowledged is lost)");
        delivery_->stop(std::chrono::milliseconds(0));  // so an abandoned sink thread is known at exit
        ioc_.stop();
    });
    auto stop_all = [this] {
        // Deliveries still in flight are abandoned: pending in the ledger, they go after the
        // restart (sinks are idempotent on the alert id). A stalled sink cannot hold us here.
        delivery_->stop(kSinkGrace);
        review_->stop();
        flush_timer_.cancel();
        outbox_timer_.cancel();
        health_timer_.cancel();
        watchdog_timer_.cancel();
        status_timer_.cancel();
        probe_timer_.cancel();
        if (reporter_) reporter_->stop();  // an upload in progress stays pending for the next start
        shutdown_guard_.cancel();
        signals_.cancel();
        for (auto& slot : inlets_) slot.inlet.reset();
        write_status();
    };
    auto finish = [this, stop_all, guard_at] {
        flush();
        // Within the guard, leaving the sinks' grace and a margin.
        const auto until = std::min(std::chrono::steady_clock::now() + kDeliveryDrain,
                                    guard_at - kSinkGrace - std::chrono::milliseconds(500));
        drain_deliveries(until, stop_all);
    };
    // Every inlet stops before the last commit; what they handed over is committed by finish().
    int running = 0;
    for (const auto& slot : inlets_) running += slot.inlet ? 1 : 0;
    auto pending_stops = std::make_shared<int>(running);
    auto one_stopped = [this, finish, pending_stops] {
        if (--*pending_stops == 0) asio::post(ioc_, finish);
    };
    // Posted, not called: the signal handler that called us re-arms its wait after we return, and
    // finish() must come after that to cancel it (else, with no inlet, the loop never empties).
    if (*pending_stops == 0) asio::post(ioc_, finish);
    for (auto& slot : inlets_)
        if (slot.inlet) slot.inlet->stop(one_stopped);
}

void Daemon::drain_deliveries(std::chrono::steady_clock::time_point until, std::function<void()> then) {
    // A round hands what is due to the sinks that are free; results come back on this loop and
    // are recorded. Again every 50 ms while some sink is still delivering and time is left.
    if (!ledger_failed_since_) {
        try {
            delivery_->deliver(now_unix());
        } catch (const std::exception& e) {
            spdlog::error("stopping: cannot hand over the last alerts: {} (they go after the restart)", e.what());
        }
    }
    if (std::chrono::steady_clock::now() >= until || !delivery_->delivering()) {
        then();
        return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(50));
    drain_timer_.async_wait([this, until, then = std::move(then)](error_code ec) {
        if (!ec) drain_deliveries(until, then);
    });
}

}  // namespace gpwatch
