#pragma once
// AlertSink: where an alert is delivered (the duty inbox as a Maildir, SMTP, a webhook, a task in
// the clinical system). The outbox hands each delivery to the sink's own worker thread
// (daemon/alerts/sink_worker), so deliver() may block for as long as the sink's time-outs allow:
// the event loop never waits for it. The outbox keeps retrying only what the sink says is worth
// retrying.

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
    // Called on the sink's worker thread, one call at a time.
    virtual DeliveryResult deliver(const Alert& alert) = 0;
    // Asks a deliver() in progress (on another thread) to give up soon, and every later one to
    // fail at once as retryable: gpwatchd is stopping, and what was not delivered is delivered
    // after the restart. Sinks that cannot block need not override it.
    virtual void cancel() {}
    // True for a sink that writes to this machine's disks (a Maildir): it cannot carry news of a
    // full disk, so such news goes only through the others.
    virtual bool needs_local_disk() const { return false; }
};

}  // namespace gpwatch
