#pragma once
// ClinicalSimServer: accepts TLS connections, lets only `GET /feed` with the right bearer token
// through to the WebSocket upgrade (others get 404 / 401 / 426), and hands each upgraded
// connection to a FeedSession. `POST /tasks` (same token) goes to the TaskInbox: 201/200 with
// {"task_id"}, 400 naming a bad field, 401, 405, 413 over 64 KiB.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "sim/clinical/feed_session.hpp"
#include "sim/common/sim_listener.hpp"
#include "sim/clinical/task_inbox.hpp"

namespace gpwatch::sim {

class ClinicalEventLog;

struct ClinicalServerSettings {
    std::string token = "gpwatch-sim-token";
    FeedSessionSettings session;
};

class ClinicalSimServer {
public:
    ClinicalSimServer(boost::asio::io_context& ioc, boost::asio::ssl::context& tls, ClinicalEventLog& log,
                      TaskInbox& tasks, ClinicalServerSettings settings);

    // Binds (synchronously, so the caller learns the real port, and a port in use fails before
    // anything is written). Throws boost::system::system_error when the address cannot be used.
    boost::asio::ip::tcp::endpoint bind(const std::string& host, std::uint16_t port);

    // Listens and starts accepting; returns at once.
    void start();

    // Stops accepting and drops every connection.
    void stop();

private:
    boost::asio::awaitable<void> handle_connection(boost::asio::ip::tcp::socket socket);
    boost::asio::awaitable<void> serve_task(FeedSession::TlsStream& stream,
                                            const boost::beast::http::request<boost::beast::http::string_body>& request,
                                            const std::string& peer);

    boost::asio::io_context& ioc_;
    boost::asio::ssl::context& tls_;
    ClinicalEventLog& log_;
    TaskInbox& tasks_;
    ClinicalServerSettings settings_;
    SimListener listener_;
    std::vector<std::weak_ptr<FeedSession>> sessions_;
    std::mt19937_64 chaos_seeds_{std::random_device{}()};
};

}  // namespace gpwatch::sim
