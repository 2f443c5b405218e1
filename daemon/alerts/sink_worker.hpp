#pragma once
// SinkWorker: one sink's own thread. The event loop hands it one alert at a time (submit); the
// worker calls sink.deliver(), which may block for as long as the sink's time-outs allow (a mail
// server that accepts and never answers, a webhook that takes 20 s), and posts the result back to
// the event loop, where the outbox records it. So a stalled peer delays only its own sink's
// deliveries: ingest, the review clock, the watchdog and every other sink go on.
//
// stop() asks the sink to give up (AlertSink::cancel) and waits a short grace for the thread. A
// delivery still in progress after that is abandoned: its result is never posted, the ledger still
// holds it as pending, and it is delivered after the restart (sinks are idempotent on the alert
// id). The thread then finishes on its own; it shares ownership of the sink, so nothing it uses
// goes away under it.

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "daemon/alerts/delivery_lane.hpp"

namespace gpwatch::alerts {

class SinkWorker : public DeliveryLane {
public:
    // `loop`: where results are posted. Starts the thread.
    SinkWorker(boost::asio::any_io_executor loop, std::string name, std::unique_ptr<AlertSink> sink);
    // stop() with no grace if it was not called.
    ~SinkWorker() override;
    SinkWorker(const SinkWorker&) = delete;
    SinkWorker& operator=(const SinkWorker&) = delete;

    // Both on the event loop's thread.
    bool idle() const override { return !busy_ && !stopped_; }
    void submit(const Alert& alert, Done done) override;

    // Cancels what is in flight, posts nothing more, and waits up to `grace` for the thread to end
    // (returns true if it did; false: it is left to finish alone). Idempotent.
    bool stop(std::chrono::milliseconds grace);

    const std::string& name() const { return name_; }
    const char* type() const;
    bool needs_local_disk() const;

    struct State;  // shared by this object and its thread (sink_worker.cpp)

private:
    std::string name_;
    std::shared_ptr<State> state_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // results check it before running
    bool busy_ = false;     // a delivery handed over whose result has not come back
    bool stopped_ = false;
};

}  // namespace gpwatch::alerts
