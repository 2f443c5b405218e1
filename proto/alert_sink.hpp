#pragma once
// AlertSink: where an alert is delivered (duty inbox as a Maildir now; SMTP, webhook, task later).
// The outbox calls deliver() and keeps retrying only what the sink says is worth retrying.

#include <string>

#include "proto/alert.hpp"

namespace gpwatch {

struct DeliveryResult {
    bool delivered = false;
    bool retryable = true;   // false: a permanent failure; retrying the same alert cannot help
    std::string error;       // why, for the log and the ledger
};

class AlertSink {
public:
    virtual ~AlertSink() = default;
    virtual const char* name() const = 0;
    // Delivering the same alert twice must leave one copy at the destination (idempotent on id).
    virtual DeliveryResult deliver(const Alert& alert) = 0;
};

}  // namespace gpwatch
