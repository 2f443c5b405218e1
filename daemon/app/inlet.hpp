#pragma once
// Inlet: one thing gpwatchd reads from outside (the clinical feed, the MESH mailbox). The daemon
// starts it, takes its events into group commit, and after each commit hands it the batch so it
// can tell its upstream what is now durable (the feed acknowledges a seq, MESH message ids);
// status and the health watch read what it says about itself in one shape (InletStatus).
//
// Adding an inlet: implement Inlet, and add an InletKind to inlet_kinds() (inlets.cpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"
#include "proto/verdict.hpp"

namespace gpwatch {

struct InletCounters {
    std::uint64_t connects = 0;     // connections made (a feed that keeps one open)
    std::uint64_t disconnects = 0;
    std::uint64_t events = 0;       // events (or messages) handed over
    std::uint64_t gaps = 0;         // sequence gaps seen
    std::uint64_t malformed = 0;    // frames that could not be read, quarantined
    std::uint64_t polls = 0;        // successful listings (a mailbox that is polled)
    std::uint64_t acks = 0;         // acknowledgements upstream accepted
    std::uint64_t errors = 0;       // failed requests, of every kind
};

// What an inlet says about itself, for gpwatchd.status and the health watch.
struct InletStatus {
    bool healthy = false;              // connected, or the last request succeeded
    std::int64_t watched_since = 0;    // when it was started (unix seconds)
    std::int64_t last_success_at = 0;  // the last poll upstream answered (0: none yet, or not polled)
    std::int64_t last_event_at = 0;    // the last event handed over (0: none)
    std::int64_t last_heartbeat_at = 0;
    std::string last_error;            // the last failure in words
    std::int64_t last_error_at = 0;
    std::uint64_t delivered_seq = 0;   // the last seq handed over (a sequenced feed)
    std::size_t in_flight = 0;         // handed over, not yet acknowledged upstream
    InletCounters counters;
};

class Inlet {
public:
    virtual ~Inlet() = default;
    virtual void start() = 0;
    // Ends its connection and loop; `on_stopped` runs once it is done. What it handed over and
    // is not committed is simply delivered again by the next one (nothing of it was acknowledged).
    virtual void stop(std::function<void()> on_stopped) = 0;
    // `committed` is durable in the ledger: acknowledge upstream what of it came from here.
    virtual void acknowledge(const std::vector<RecordEvent>& committed) = 0;
    virtual InletStatus status() const = 0;
    bool healthy() const { return status().healthy; }
};

// An inlet over a connector client that starts, and stops with a callback, on its own.
template <class Client>
class ClientInlet : public Inlet {
public:
    void start() override { client_->start(); }
    void stop(std::function<void()> on_stopped) override { client_->stop(std::move(on_stopped)); }

protected:
    std::unique_ptr<Client> client_;
};

// What the daemon lends an inlet.
struct InletContext {
    boost::asio::any_io_executor ex;
    std::function<void(RecordEvent&&)> on_event;  // into group commit
    std::function<std::uint64_t(Feed)> cursor;    // the last seq of a feed the ledger holds
    // Internal alerts about its upstream (AlertDelivery's, at the time of the call), and a
    // delivery round for what they raised.
    std::function<void(const std::string& condition, bool on, Severity severity, const std::string& headline,
                       const std::string& detail)>
        set_condition;
    std::function<bool(const std::string& key, const std::string& condition, Severity severity,
                       const std::string& headline, const std::string& detail)>
        raise_event;
    std::function<void()> deliver_alerts;
};

struct InletKind {
    const char* name;  // "clinical_feed", "mesh"
    // Built from the settings (not started); nullptr, said in the log, when they leave it off.
    std::function<std::unique_ptr<Inlet>(const InletContext&, const Settings&)> make;
    // True when a reload changed what it is built from (it must be rebuilt).
    std::function<bool(const Settings& before, const Settings& after)> needs_restart;
    const char* restart_note;  // logged (after "reload: ") when a reload rebuilds it
};

// Every inlet gpwatchd has, in the order they are started.
const std::vector<InletKind>& inlet_kinds();

}  // namespace gpwatch
