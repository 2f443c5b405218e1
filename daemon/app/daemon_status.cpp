// Daemon: what it writes to gpwatchd.status for gpwatchctl (daemon/status/runtime_status.hpp).

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"
#include "daemon/app/daemon_clock.hpp"

#ifndef GPWATCH_VERSION
#define GPWATCH_VERSION "unknown"
#endif

namespace gpwatch {

using daemon_clock::now_unix;

namespace {

constexpr auto kStatusEvery = std::chrono::seconds(5);

}  // namespace

status::RuntimeStatus Daemon::runtime_status() const {
    status::RuntimeStatus s;
    s.pid = static_cast<int>(::getpid());
    s.version = GPWATCH_VERSION;
    s.started_at = started_at_;
    s.updated_at = now_unix();
    s.every_s = kStatusEvery.count();
    s.deadlines_loaded = deadlines_loaded_;
    s.review_clock = review_ ? review_->size() : 0;
    s.ledger_writable = ledger_failed_since_ == 0;
    s.ledger_error = ledger_error_;
    s.ledger_failed_since = ledger_failed_since_;
    const auto& st = active_->settings;

    // While the inlets are stopped (the ledger refusing writes) the last they said stands, so
    // status still tells when the last event came.
    const auto* feed_slot = inlet_slot("clinical_feed");
    const auto* mesh_slot = inlet_slot("mesh");
    const bool feed_running = feed_slot && feed_slot->inlet;
    const bool mesh_running = mesh_slot && mesh_slot->inlet;
    const InletStatus feed = feed_slot ? inlet_status(*feed_slot) : InletStatus{};
    const InletStatus mesh = mesh_slot ? inlet_status(*mesh_slot) : InletStatus{};
    s.feed.connected = feed.healthy;
    s.feed.delivered_seq = feed.delivered_seq;
    s.feed.last_event_at = feed.last_event_at;
    s.feed.last_heartbeat_at = feed.last_heartbeat_at;
    s.feed.last_error = feed.last_error;
    s.feed.last_error_at = feed.last_error_at;
    s.feed.connects = feed.counters.connects;
    s.feed.disconnects = feed.counters.disconnects;
    s.feed.events = feed.counters.events;
    s.feed.gaps = feed.counters.gaps;
    s.feed.malformed = feed.counters.malformed;
    s.feed.enabled = st.clinical_feed.enabled;
    s.mesh.healthy = mesh.healthy;
    s.mesh.last_poll_at = mesh.last_success_at;
    s.mesh.last_error = mesh.last_error;
    s.mesh.last_error_at = mesh.last_error_at;
    s.mesh.polls = mesh.counters.polls;
    s.mesh.downloads = mesh.counters.events;
    s.mesh.acks = mesh.counters.acks;
    s.mesh.errors = mesh.counters.errors;
    s.mesh.in_flight = mesh.in_flight;
    s.mesh.enabled = st.mesh.enabled;
    s.mesh.mailbox = st.mesh.mailbox;
    for (const auto& [name, t] : delivery_->totals())
        s.sinks.push_back({name, delivery_->sink_type(name), t.in_flight, t.down_until, t.last_error,
                           t.flood_hold_until, t.delivered, t.retried, t.failed, t.flood_digests});

    // The state, and in words why it is not simply running.
    if (shutting_down_) s.state = any_inlet_running() ? "stopping" : "stopped";
    else if (!ready_) s.state = "starting";
    else s.state = "running";
    if (ledger_failed_since_) s.problems.push_back("the ledger refuses writes: " + ledger_error_);
    if (!shutting_down_ && ready_) {
        if (st.clinical_feed.enabled && !(feed_running && feed.healthy))
            s.problems.push_back("the clinical feed is not connected" +
                                 (feed_running && !feed.last_error.empty() ? " (" + feed.last_error + ")" : ""));
        if (st.mesh.enabled && mesh_running && !mesh.healthy && !mesh.last_error.empty())
            s.problems.push_back("MESH: " + mesh.last_error);
        // A poll that never ends (a peer that accepts and never answers past every time-out)
        // leaves no error; its silence is the sign.
        const auto poll_every = std::chrono::duration_cast<std::chrono::seconds>(st.mesh.poll_interval).count();
        const auto since_poll = s.updated_at - std::max(s.mesh.last_poll_at, mesh.watched_since);
        if (st.mesh.enabled && mesh_running && mesh.healthy && since_poll > 3 * poll_every + 60)
            s.problems.push_back("MESH: no poll has completed for " + std::to_string(since_poll / 60) + " min");
        for (const auto& k : s.sinks)
            if (k.down_until > s.updated_at) s.problems.push_back("alert sink " + k.name + " is refusing: " + k.last_error);
    }
    if (s.state == "running" && !s.problems.empty()) s.state = "degraded";
    return s;
}

void Daemon::write_status() {
    auto s = runtime_status();
    if (!status::write_status_file(status::status_path(state_dir_), s))
        spdlog::debug("cannot write {}", status::status_path(state_dir_));
}

void Daemon::arm_status_timer() {
    status_timer_.expires_after(kStatusEvery);
    status_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        write_status();
        arm_status_timer();
    });
}

}  // namespace gpwatch
