#include "sim/clinical/clinical_sim_server.hpp"

#include <algorithm>
#include <functional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "sim/clinical/event_log.hpp"

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
    : ioc_(ioc), tls_(tls), log_(log), tasks_(tasks), settings_(std::move(settings)),
      listener_(ioc, "clinical sim") {}

tcp::endpoint ClinicalSimServer::bind(const std::string& host, std::uint16_t port) {
    return listener_.bind(host, port);
}

void ClinicalSimServer::start() {
    listener_.start(std::bind_front(&ClinicalSimServer::handle_connection, this));
}

void ClinicalSimServer::stop() {
    listener_.stop();
    for (auto& weak : sessions_)
        if (auto session = weak.lock()) session->abort();
    sessions_.clear();
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

// GCC 12 wrongly reports -Wmismatched-new-delete for this coroutine's frame when it inlines
// asio's frame operator new and delete into the ramp (it does here since the accept loop moved to
// SimListener): both are asio's own matched pair. Silenced for this one function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> ClinicalSimServer::handle_connection(tcp::socket socket) {
    const std::string peer = SimListener::peer_name(socket);
    FeedSession::TlsStream stream(beast::tcp_stream(std::move(socket)), tls_);

    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable)); ec) {
        spdlog::info("clinical sim: {}: TLS handshake failed: {}", peer, ec.message());
        co_return;
    }

    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    // Beast compares Content-Length with the body limit as soon as the header is read, so the
    // limit that lets a task in must be set before it; other requests are held to theirs below.
    parser.body_limit(kMaxTaskBody);
    if (auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable)); ec) {
        spdlog::info("clinical sim: {}: bad HTTP request: {}", peer, ec.message());
        co_return;
    }
    std::string_view target = parser.get().target();
    target = target.substr(0, target.find('?'));
    const bool task_request = target == "/tasks";
    if (!task_request && parser.content_length() && *parser.content_length() > kMaxRequestBody) {
        spdlog::info("clinical sim: {}: request body of {} bytes refused", peer, *parser.content_length());
        co_await respond(stream, http::status::payload_too_large, "text/plain",
                         "request body larger than " + std::to_string(kMaxRequestBody) + " bytes\n");
        co_return;
    }
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

#pragma GCC diagnostic pop

}  // namespace gpwatch::sim
