#pragma once
// ClinicalFeedClient: subscribes to the clinical system's event feed over wss
// and hands each event, in seq order without gaps, to a callback. It never decides what is
// durable: the daemon calls acknowledge() once events are committed, and only then is the
// server told. After any disconnect it resubscribes from the last durable seq.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connectors/client_loop/client_loop.hpp"
#include "proto/record_event.hpp"

namespace gpwatch::clinical_feed {

struct FeedClientCounters {
    std::uint64_t connects = 0;
    std::uint64_t disconnects = 0;
    std::uint64_t gaps = 0;
    std::uint64_t duplicates_skipped = 0;
    std::uint64_t malformed = 0;
    std::uint64_t oversize_frames = 0;
    std::uint64_t events = 0;
};

struct FeedClientOptions {
    std::string url;      // wss://host:port/path
    std::string token;    // bearer token for the upgrade request
    std::string ca_file;  // trust anchor for the server certificate
    std::string practice; // ODS code to subscribe for
    std::size_t max_frame_bytes = 1024 * 1024;
    std::chrono::milliseconds reconnect_initial{500};
    std::chrono::milliseconds reconnect_max{30000};
    std::chrono::milliseconds heartbeat_interval{5000};  // silence for three of these = dead
};

class ClinicalFeedClient {
public:
    using EventHandler = std::function<void(RecordEvent&&)>;

    ClinicalFeedClient(boost::asio::any_io_executor ex, FeedClientOptions options,
                       EventHandler on_event, std::uint64_t durable_seq);
    ~ClinicalFeedClient();
    ClinicalFeedClient(const ClinicalFeedClient&) = delete;
    ClinicalFeedClient& operator=(const ClinicalFeedClient&) = delete;

    void start();
    // Ends the current connection and the reconnect loop; `on_stopped` runs once the loop is done.
    void stop(std::function<void()> on_stopped = {});
    // Everything up to and including `seq` is durable: tell the server, and resubscribe from here.
    void acknowledge(std::uint64_t seq);

    bool connected() const { return connected_; }
    std::uint64_t delivered_seq() const { return delivered_seq_; }
    const FeedClientCounters& counters() const { return counters_; }
    // For gpwatchctl status (unix seconds; 0: never): the last event handed over, the last
    // heartbeat heard, and why the last connection ended and when.
    std::int64_t last_event_at() const { return last_event_at_; }
    std::int64_t last_heartbeat_at() const { return last_heartbeat_at_; }
    const std::string& last_error() const { return last_error_; }
    std::int64_t last_error_at() const { return last_error_at_; }

private:
    struct Connection;
    boost::asio::awaitable<void> run();
    // One connection's life: returns why it ended, for the log.
    boost::asio::awaitable<std::string> session();
    void handle_frame(std::string_view frame, Connection& conn, std::string& end_reason);
    void pump_ack();

    boost::asio::any_io_executor ex_;
    FeedClientOptions options_;
    EventHandler on_event_;
    std::uint64_t durable_seq_ = 0;    // acknowledged by the daemon
    std::uint64_t delivered_seq_ = 0;  // handed to on_event_
    std::uint64_t next_expected_ = 0;
    bool connected_ = false;
    client_loop::ClientLoop loop_;
    std::shared_ptr<Connection> conn_;
    boost::asio::steady_timer backoff_timer_;
    FeedClientCounters counters_;
    std::int64_t last_event_at_ = 0;
    std::int64_t last_heartbeat_at_ = 0;
    std::string last_error_;
    std::int64_t last_error_at_ = 0;
    struct ParserHolder;
    std::unique_ptr<ParserHolder> parser_;
};

}  // namespace gpwatch::clinical_feed
