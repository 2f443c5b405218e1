#include "daemon/alerts/health_watch.hpp"

#include <sys/statvfs.h>

#include <algorithm>

namespace gpwatch::alerts {

namespace {

std::string minutes(std::int64_t seconds) {
    if (seconds < 120) return std::to_string(seconds) + " s";
    return std::to_string(seconds / 60) + " min";
}

}  // namespace

std::optional<std::uint64_t> disk_free_bytes(const std::string& dir) {
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

HealthWatch::HealthWatch(InternalAlerts& internal, DeliveryLedger& deliveries)
    : internal_(internal), deliveries_(deliveries) {}

void HealthWatch::check(const InternalAlertSettings& s, const HealthObservation& seen, std::int64_t now) {
    if (!s.enabled) return;
    const bool clear_notify = s.notify_on_clear;

    // The feed: disconnected for longer than allowed (reconnecting after a blip is normal).
    if (!seen.feed_enabled || seen.feed_connected) {
        feed_down_since_ = -1;
        internal_.clear(condition::feed_disconnected, condition::feed_disconnected, clear_notify, now);
    } else {
        if (feed_down_since_ < 0) feed_down_since_ = now;
        const auto down = now - feed_down_since_;
        if (down >= s.feed_disconnected_after.count())
            internal_.raise(condition::feed_disconnected, condition::feed_disconnected, Severity::high,
                            "the clinical feed is disconnected",
                            "the clinical system's event feed has been disconnected for " + minutes(down) +
                                " (limit " + minutes(s.feed_disconnected_after.count()) +
                                "); writes into records are not being watched meanwhile",
                            now);
    }

    // MESH: nothing answered for longer than allowed. Not while MESH refuses the credentials: it
    // answers then, and mesh_credentials_refused says what to do.
    if (!seen.mesh_enabled) {
        internal_.clear(condition::mesh_unreachable, condition::mesh_unreachable, clear_notify, now);
    } else {
        const auto silent = now - std::max(seen.mesh_last_success_at, seen.mesh_watched_since);
        const auto limit = s.mesh_unreachable_after.count();
        if (silent >= limit && !internal_.active(condition::mesh_credentials_refused))
            internal_.raise(condition::mesh_unreachable, condition::mesh_unreachable, Severity::high,
                            "the MESH mailbox cannot be reached",
                            "no request to the MESH mailbox has succeeded for " + minutes(silent) + " (limit " +
                                minutes(limit) + ")" +
                                (seen.mesh_last_error.empty() ? "" : "; the last error: " + seen.mesh_last_error) +
                                ". Update Record messages are not being fetched meanwhile",
                            now);
        else if (seen.mesh_last_success_at > 0 && now - seen.mesh_last_success_at < limit)
            internal_.clear(condition::mesh_unreachable, condition::mesh_unreachable, clear_notify, now);
    }

    if (seen.disk_free_bytes) {
        const auto free_mb = *seen.disk_free_bytes / (1024 * 1024);
        if (*seen.disk_free_bytes < s.disk_free_min_bytes)
            internal_.raise(condition::disk_nearly_full, condition::disk_nearly_full, Severity::urgent,
                            "the disk is nearly full",
                            "only " + std::to_string(free_mb) + " MB free for the ledger (limit " +
                                std::to_string(s.disk_free_min_bytes / (1024 * 1024)) + " MB)",
                            now);
        else
            internal_.clear(condition::disk_nearly_full, condition::disk_nearly_full, clear_notify, now);
    }

    const auto st = deliveries_.status(now);
    // Alerts held on purpose (quiet hours, a digest window) are not a backlog.
    const bool too_many = st.deliveries_waiting > s.outbox_backlog_max;
    const bool too_old = st.oldest_failing_since > 0 && now - st.oldest_failing_since > s.outbox_oldest_max.count();
    if (too_many || too_old)
        internal_.raise(condition::outbox_backlog, condition::outbox_backlog, Severity::high,
                        "alerts are backing up",
                        std::to_string(st.deliveries_waiting) + " deliveries waiting" +
                            (too_old ? "; a destination has refused alerts for " +
                                           minutes(now - st.oldest_failing_since)
                                     : std::string()),
                        now);
    else
        internal_.clear(condition::outbox_backlog, condition::outbox_backlog, clear_notify, now);
}

}  // namespace gpwatch::alerts
