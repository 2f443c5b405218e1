#include "clinical_sim_server.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "event_log.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxRequestBody = 16 * 1024;

void log_exception(const char* what, std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        spdlog::error("clinical sim: {} failed: {}", what, x.what());
    }
}

std::string describe(const tcp::socket& s) {
    beast::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    return ec ? std::string("client") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

ClinicalSimServer::ClinicalSimServer(asio::io_context& ioc, asio::ssl::context& tls, ClinicalEventLog& log,
                                     ClinicalServerSettings settings)
    : ioc_(ioc), tls_(tls), log_(log), settings_(std::move(settings)), acceptor_(ioc) {}

tcp::endpoint ClinicalSimServer::bind(const std::string& host, std::uint16_t port) {
    tcp::endpoint endpoint;
    beast::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(address, port);
    } else {
        tcp::resolver resolver(ioc_);
        endpoint = *resolver.resolve(host, std::to_string(port)).begin();
    }
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    return acceptor_.local_endpoint();
}

void ClinicalSimServer::start() {
    acceptor_.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(ioc_, accept_loop(), [](std::exception_ptr e) { log_exception("accept loop", e); });
}

void ClinicalSimServer::stop() {
    stopping_ = true;
    beast::error_code ec;
    acceptor_.close(ec);
    for (auto& weak : sessions_)
        if (auto session = weak.lock()) session->abort();
    sessions_.clear();
}

asio::awaitable<void> ClinicalSimServer::accept_loop() {
    while (!stopping_) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) co_return;
            spdlog::warn("clinical sim: accept failed: {}", ec.message());
            continue;
        }
        asio::co_spawn(ioc_, handle_connection(std::move(socket)),
                       [](std::exception_ptr e) { log_exception("connection", e); });
    }
}

asio::awaitable<void> ClinicalSimServer::handle_connection(tcp::socket socket) {
    const std::string peer = describe(socket);
    FeedSession::TlsStream stream(beast::tcp_stream(std::move(socket)), tls_);

    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable)); ec) {
        spdlog::info("clinical sim: {}: TLS handshake failed: {}", peer, ec.message());
        co_return;
    }

    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable)); ec) {
        spdlog::info("clinical sim: {}: bad HTTP request: {}", peer, ec.message());
        co_return;
    }
    http::request<http::string_body> request = parser.release();

    // Decide whether this request may become a feed subscription.
    std::string_view target = request.target();
    target = target.substr(0, target.find('?'));
    http::status refusal = http::status::ok;
    std::string why;
    if (target != "/feed") {
        refusal = http::status::not_found;
        why = "not found: the feed is at /feed\n";
    } else if (request[http::field::authorization] != "Bearer " + settings_.token) {
        refusal = http::status::unauthorized;
        why = "missing or wrong bearer token\n";
    } else if (!websocket::is_upgrade(request)) {
        refusal = http::status::upgrade_required;
        why = "this endpoint speaks WebSocket only\n";
    }
    if (refusal != http::status::ok) {
        spdlog::info("clinical sim: {}: {} {} -> {}", peer, std::string(request.method_string()),
                     std::string(request.target()), static_cast<unsigned>(refusal));
        http::response<http::string_body> response{refusal, request.version()};
        response.set(http::field::server, "gpwatch-sim clinical");
        response.set(http::field::content_type, "text/plain");
        if (refusal == http::status::unauthorized) response.set(http::field::www_authenticate, "Bearer");
        if (refusal == http::status::upgrade_required) response.set(http::field::upgrade, "websocket");
        response.keep_alive(false);
        response.body() = why;
        response.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, response, as_tuple(use_awaitable));
        co_await stream.async_shutdown(as_tuple(use_awaitable));
        co_return;
    }

    beast::get_lowest_layer(stream).expires_never();  // the websocket stream keeps its own time-outs
    auto session = std::make_shared<FeedSession>(FeedSession::WsStream(std::move(stream)), log_, settings_.session,
                                                 chaos_seeds_(), peer);
    std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
    sessions_.push_back(session);
    co_await session->run(std::move(request));
}

}  // namespace gpwatch::sim
