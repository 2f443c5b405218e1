#pragma once
// HttpsServer: one TLS listener (Boost.Beast over Asio and OpenSSL, C++20 coroutines) that reads
// HTTP/1.1 requests and answers them through a handler that knows nothing of sockets. The
// collector runs two: the upload listener (mutual TLS) and the web listener.
//
// Every read and write has a deadline, requests have a header limit and a body limit (a body
// over the limit is answered 413 and not read; a header over the limit 431, a request that is not
// HTTP or whose framing RFC 9112 says to refuse 400, each with Connection: close), and stop() is
// graceful: no new connections, idle ones closed at once, a request in progress answered first.
//
// Under hostile load (docs/collector.md, "Limits under load"): connections are admitted by
// ConnectionAdmission (per-address caps, a reserve for mutual TLS, the oldest idle one dropped to
// make room); a handshake, the first byte of a request and a whole header each have a deadline of
// a few seconds; a failing accept (out of descriptors) is retried after a growing pause instead
// of at once; and the lines about refused or dropped connections are tallied by LogTally, at
// most one per 10 s per kind, with a count.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <boost/asio/steady_timer.hpp>

#include "collector/connection_admission.hpp"
#include "collector/http_exchange.hpp"
#include "collector/log_tally.hpp"

namespace gpwatch::collector {

struct ListenerOptions {
    std::string name;  // "upload" or "web", for log lines
    AdmissionLimits limits;  // from limits_for_descriptors()
    std::size_t body_limit = 0;
    std::function<HttpAnswer(const HttpAsk&)> handler;
    // The answer to a request whose body is over body_limit (given the peer); 413 by default.
    std::function<HttpAnswer(const std::string& peer)> too_large;
    // When set, receives every request as read (request line, headers, body).
    std::function<void(std::string_view)> capture;
};

class HttpsServer {
public:
    HttpsServer(boost::asio::io_context& ioc, boost::asio::ssl::context& tls, ListenerOptions options);
    ~HttpsServer();

    // Binds synchronously so a port in use fails before anything starts; returns the real
    // endpoint (port 0 becomes the port the system chose). Throws std::runtime_error naming it.
    boost::asio::ip::tcp::endpoint bind(const std::string& host, std::uint16_t port);
    void start();
    void stop();
    // No connection open (after stop(): everything has ended).
    bool idle() const { return connections_.empty(); }

private:
    struct Connection;
    boost::asio::awaitable<void> accept_loop();
    void admit(boost::asio::ip::tcp::socket socket);
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> conn);
    // Logs an event at once or counts it for the kind's next summary (LogTally).
    void tally(const std::string& kind, const std::string& first_line, std::string sample);
    void arm_tally_timer();
    void log_summaries(const std::vector<LogTally::Summary>& summaries);

    boost::asio::io_context& ioc_;
    boost::asio::ssl::context& tls_;
    ListenerOptions options_;
    boost::asio::ip::tcp::acceptor acceptor_;
    bool stopping_ = false;
    std::uint64_t next_id_ = 0;
    std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
    ConnectionAdmission admission_;
    LogTally tally_;
    boost::asio::steady_timer tally_timer_;
    bool tally_timer_armed_ = false;
    boost::asio::steady_timer backoff_timer_;  // the pause after a failed accept
};

}  // namespace gpwatch::collector
