#pragma once
// HealthWatch: the periodic look at gpwatchd's own health that turns trouble into internal
// alerts (InternalAlerts): the clinical feed disconnected for longer than
// feed_disconnected_after, no request to MESH answered for mesh_unreachable_after, free disk space under disk_free_min, the outbox backing up (more than
// outbox_backlog_max deliveries pending, or a sink refusing alerts for longer than
// outbox_oldest_max). Each raises once when it starts and clears when it ends. The caller
// passes what it observed and the time, so tests drive it without a feed, a disk or a clock.

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/alerts/internal_alerts.hpp"
#include "proto/delivery_settings.hpp"

namespace gpwatch::alerts {

struct HealthObservation {
    bool feed_enabled = true;
    bool feed_connected = false;
    bool mesh_enabled = false;
    std::int64_t mesh_watched_since = 0;    // when gpwatchd began polling MESH
    std::int64_t mesh_last_success_at = 0;  // the last request MESH answered well (0: none yet)
    std::string mesh_last_error;
    std::optional<std::uint64_t> disk_free_bytes;  // nullopt: could not tell
};

class HealthWatch {
public:
    HealthWatch(InternalAlerts& internal, DeliveryLedger& deliveries);
    void check(const InternalAlertSettings& settings, const HealthObservation& seen, std::int64_t now);

private:
    InternalAlerts& internal_;
    DeliveryLedger& deliveries_;
    std::int64_t feed_down_since_ = -1;  // -1: connected (or not watched)
};

// Free bytes for an unprivileged user on the file system holding `dir` (statvfs).
std::optional<std::uint64_t> disk_free_bytes(const std::string& dir);

}  // namespace gpwatch::alerts
