#pragma once
// DeliveryLane: where the outbox hands one delivery to one sink, and hears back how it went.
// The outbox decides what to deliver and records every outcome in the ledger; a lane only runs
// sink.deliver() somewhere and reports the result:
//
//   SinkWorker (sink_worker.hpp)  on the sink's own thread, the result posted back to the event
//                                 loop: a slow, silent or refusing peer delays only its own sink
//   InlineLane (below)            at once, on the caller's thread: for tests and tools that drive
//                                 the outbox round by round with time passed in
//
// A lane takes one delivery at a time: the bound on what is in flight per sink.

#include <functional>

#include "proto/alert_sink.hpp"

namespace gpwatch::alerts {

class DeliveryLane {
public:
    using Done = std::function<void(const DeliveryResult&)>;
    virtual ~DeliveryLane() = default;
    // True when the lane can take a delivery now (nothing in flight).
    virtual bool idle() const = 0;
    // Hands `alert` over. `done` runs exactly once, on the thread that drives the outbox (the
    // event loop), unless the lane is stopped first: then it never runs, and the delivery stays
    // pending in the ledger for the next start.
    virtual void submit(const Alert& alert, Done done) = 0;
};

class InlineLane : public DeliveryLane {
public:
    explicit InlineLane(AlertSink& sink) : sink_(sink) {}
    bool idle() const override { return true; }
    void submit(const Alert& alert, Done done) override { done(sink_.deliver(alert)); }

private:
    AlertSink& sink_;
};

}  // namespace gpwatch::alerts
