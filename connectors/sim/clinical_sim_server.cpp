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
constexpr std::size_t kMaxTaskBody = 64 * 1024;  // a task's title and text, with room to spare

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

// One response, then the connection closes (each request gets its own connection here).
asio::awaitable<void> respond(FeedSession::TlsStream& stream, http::status status, const char* content_type,
                              std::string body, bool bearer_challenge = false) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::server, "gpwatch-sim clinical");
    response.set(http::field::content_type, content_type);
    if (bearer_challenge) response.set(http::field::www_authenticate, "Bearer");
    response.keep_alive(false);
    response.body() = std::move(body);
    response.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await http::async_write(stream, response, as_tuple(use_awaitable));
    co_await stream.async_shutdown(as_tuple(use_awaitable));
}

}  // namespace

ClinicalSimServer::ClinicalSimServer(asio::io_context& ioc, asio::ssl::context& tls, ClinicalEventLog& log,
                                     TaskInbox& tasks, ClinicalServerSettings settings)
    : ioc_(ioc), tls_(tls), log_(log), tasks_(tasks), settings_(std::move(settings)), acceptor_(ioc) {}

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

asio::awaitable<void> ClinicalSimServer::serve_task(FeedSession::TlsStream& stream,
                                                    const http::request<http::string_body>& request,
                                                    const std::string& peer) {
    if (request.method() != http::verb::post) {
        spdlog::info("clinical sim: {}: {} /tasks -> 405", peer, std::string(request.method_string()));
        co_await respond(stream, http::status::method_not_allowed, "text/plain", "tasks are created with POST\n");
        co_return;
    }
    if (request[http::field::authorization] != "Bearer " + settings_.token) {
        spdlog::info("clinical sim: {}: POST /tasks -> 401", peer);
        co_await respond(stream, http::status::unauthorized, "text/plain", "missing or wrong bearer token\n", true);
        co_return;
    }
    const TaskReply reply = tasks_.submit(request.body());
    // The reply names a field or a task id, never the patient; safe to log.
    spdlog::info("clinical sim: {}: POST /tasks -> {} {}", peer, reply.status, reply.body);
    co_await respond(stream, static_cast<http::status>(reply.status), "application/json", reply.body);
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
    if (auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable)); ec) {
        spdlog::info("clinical sim: {}: bad HTTP request: {}", peer, ec.message());
        co_return;
    }
    std::string_view target = parser.get().target();
    target = target.substr(0, target.find('?'));
    const bool task_request = target == "/tasks";
    if (task_request) parser.body_limit(kMaxTaskBody);
    if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable)); ec) {
        spdlog::info("clinical sim: {}: bad HTTP request: {}", peer, ec.message());
        if (ec == http::error::body_limit)
            co_await respond(stream, http::status::payload_too_large, "text/plain",
                             "request body larger than " + std::to_string(kMaxTaskBody) + " bytes\n");
        co_return;
    }
    http::request<http::string_body> request = parser.release();
    target = request.target();
    target = target.substr(0, target.find('?'));

    if (task_request) {
        co_await serve_task(stream, request, peer);
        co_return;
    }

    // Decide whether this request may become a feed subscription.
    http::status refusal = http::status::ok;
    std::string why;
    if (target != "/feed") {
        refusal = http::status::not_found;
        why = "not found: the feed is at /feed (and tasks at /tasks)\n";
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
