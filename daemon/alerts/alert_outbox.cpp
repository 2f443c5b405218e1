#include "daemon/alerts/alert_outbox.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace gpwatch::alerts {

AlertOutbox::AlertOutbox(Ledger& ledger, AlertSink& sink)
    : ledger_(ledger), sink_(sink), rng_(std::random_device{}()) {}

std::int64_t AlertOutbox::retry_delay(int attempts) {
    std::int64_t step = 5;
    for (int i = 0; i < attempts && step < 3600; ++i) step *= 2;
    step = std::min<std::int64_t>(step, 3600);
    std::uniform_int_distribution<std::int64_t> jitter(step / 2, step);
    return jitter(rng_);
}

OutboxRound AlertOutbox::deliver_due(std::int64_t now) {
    OutboxRound round;
    for (const auto& alert : ledger_.due_alerts(now, 100)) {
        auto result = sink_.deliver(alert);
        ledger_.begin();
        if (result.delivered) {
            ledger_.mark_delivered(alert.id, now);
            ++round.delivered;
            spdlog::info("alert {} ({}, {}) delivered to the duty inbox via {}", alert.id,
                         to_string(alert.reason), to_string(alert.severity), sink_.name());
        } else if (result.retryable) {
            auto delay = retry_delay(alert.attempts);
            ledger_.mark_retry(alert.id, now + delay, result.error);
            ++round.retried;
            spdlog::warn("alert {} not delivered via {} ({}); retrying in {} s", alert.id,
                         sink_.name(), result.error, delay);
        } else {
            ledger_.mark_failed(alert.id, result.error);
            ++round.failed;
            spdlog::error("alert {} permanently failed via {}: {}", alert.id, sink_.name(), result.error);
        }
        ledger_.commit();
    }
    return round;
}

}  // namespace gpwatch::alerts
