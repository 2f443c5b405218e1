// Daemon: what it writes to gpwatchd.status for gpwatchctl (daemon/status/runtime_status.hpp).

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"

#ifndef GPWATCH_VERSION
#define GPWATCH_VERSION "unknown"
#endif

namespace gpwatch {

namespace {

constexpr auto kStatusEvery = std::chrono::seconds(5);

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

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
    s.feed = feed_ ? feed_status() : last_feed_;
    s.feed.enabled = st.clinical_feed.enabled;
    s.mesh = mesh_ ? mesh_status() : last_mesh_;
    s.mesh.enabled = st.mesh.enabled;
    s.mesh.mailbox = st.mesh.mailbox;
    for (const auto& [name, t] : delivery_->totals())
        s.sinks.push_back({name, delivery_->sink_type(name), t.in_flight, t.down_until, t.last_error,
                           t.flood_hold_until, t.delivered, t.retried, t.failed, t.flood_digests});

    // The state, and in words why it is not simply running.
    if (shutting_down_) s.state = feed_ || mesh_ ? "stopping" : "stopped";
    else if (!ready_) s.state = "starting";
    else s.state = "running";
    if (ledger_failed_since_) s.problems.push_back("the ledger refuses writes: " + ledger_error_);
    if (!shutting_down_ && ready_) {
        if (st.clinical_feed.enabled && !(feed_ && feed_->connected()))
            s.problems.push_back("the clinical feed is not connected" +
                                 (feed_ && !feed_->last_error().empty() ? " (" + feed_->last_error() + ")" : ""));
        if (st.mesh.enabled && mesh_ && !mesh_->client().healthy() && !mesh_->client().last_error().empty())
            s.problems.push_back("MESH: " + mesh_->client().last_error());
        // A poll that never ends (a peer that accepts and never answers past every time-out)
        // leaves no error; its silence is the sign.
        const auto poll_every = std::chrono::duration_cast<std::chrono::seconds>(st.mesh.poll_interval).count();
        const auto since_poll = s.updated_at - std::max(s.mesh.last_poll_at, mesh_started_at_);
        if (st.mesh.enabled && mesh_ && mesh_->client().healthy() && since_poll > 3 * poll_every + 60)
            s.problems.push_back("MESH: no poll has completed for " + std::to_string(since_poll / 60) + " min");
        for (const auto& k : s.sinks)
            if (k.down_until > s.updated_at) s.problems.push_back("alert sink " + k.name + " is refusing: " + k.last_error);
    }
    if (s.state == "running" && !s.problems.empty()) s.state = "degraded";
    return s;
}

status::FeedStatus Daemon::feed_status() const {
    status::FeedStatus f;
    const auto& c = feed_->counters();
    f.connected = feed_->connected();
    f.delivered_seq = feed_->delivered_seq();
    f.last_event_at = feed_->last_event_at();
    f.last_heartbeat_at = feed_->last_heartbeat_at();
    f.last_error = feed_->last_error();
    f.last_error_at = feed_->last_error_at();
    f.connects = c.connects;
    f.disconnects = c.disconnects;
    f.events = c.events;
    f.gaps = c.gaps;
    f.malformed = c.malformed;
    return f;
}

status::MeshStatus Daemon::mesh_status() const {
    status::MeshStatus s;
    const auto& m = mesh_->client();
    const auto& c = m.counters();
    s.healthy = m.healthy();
    s.last_poll_at = m.last_poll_at();
    s.last_error = m.last_error();
    s.last_error_at = m.last_error_at();
    s.polls = c.polls;
    s.downloads = c.downloads;
    s.acks = c.acks;
    s.errors = c.errors_credentials + c.errors_tls + c.errors_connection + c.errors_timeout + c.errors_server +
               c.errors_protocol;
    s.in_flight = m.in_flight();
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
