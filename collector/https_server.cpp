#include "collector/https_server.hpp"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

namespace gpwatch::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kReadTimeout = std::chrono::seconds(30);  // a whole request, or idle before the next one
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kShutdownTimeout = std::chrono::seconds(3);
constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr std::size_t kMaxConnections = 512;

std::string peer_name(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    return ec ? std::string("client") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

// The client certificate's subject ("CN=..."), for the upload log line; empty without one.
std::string client_subject(SSL* ssl) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return {};
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    X509_free(cert);
    return buf;
}

// The request as it came: request line, headers, blank line, body.
std::string raw_request(const http::request_parser<http::string_body>& parser, bool with_body) {
    const auto& req = parser.get();
    std::string out = std::string(req.method_string()) + " " + std::string(req.target()) + " HTTP/" +
                      std::to_string(req.version() / 10) + "." + std::to_string(req.version() % 10) + "\r\n";
    for (const auto& field : req) out += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    out += "\r\n";
    if (with_body) out += req.body();
    return out;
}

// The answer to a request the parser refused, or nothing when there is no one left to answer
// (the peer closed, mid-request or between requests). Only the parser's own verdicts get an
// answer: a timed-out or reset connection cannot be written to anyway.
std::optional<HttpAnswer> refused_request_answer(const boost::system::error_code& ec) {
    if (ec == http::error::header_limit)
        return json_status(431, "header_too_large",
                           "the request's header (request line and fields) is over " +
                               std::to_string(kMaxHeader / 1024) + " KiB");
    if (ec.category() != http::make_error_code(http::error::bad_method).category()) return std::nullopt;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
    return json_status(400, "bad_request", "the request is not valid HTTP/1.1: " + ec.message());
}

}  // namespace

struct HttpsServer::Connection {
    tcp::socket* socket = nullptr;
    bool busy = false;  // a request is being answered: stop() lets it finish
};

HttpsServer::HttpsServer(asio::io_context& ioc, asio::ssl::context& tls, ListenerOptions options)
    : ioc_(ioc), tls_(tls), options_(std::move(options)), acceptor_(ioc) {}

HttpsServer::~HttpsServer() = default;

tcp::endpoint HttpsServer::bind(const std::string& host, std::uint16_t port) {
    try {
        tcp::endpoint endpoint;
        boost::system::error_code ec;
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
        acceptor_.listen(asio::socket_base::max_listen_connections);
        return acceptor_.local_endpoint();
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " (" + options_.name +
                                 "): " + e.code().message());
    }
}

void HttpsServer::start() {
    asio::co_spawn(ioc_, accept_loop(), [name = options_.name](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            spdlog::error("{} listener: accept loop ended: {}", name, x.what());
        }
    });
}

void HttpsServer::stop() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& [id, c] : connections_)
        if (!c->busy) c->socket->close(ec);  // idle or handshaking: nothing to finish
}

asio::awaitable<void> HttpsServer::accept_loop() {
    while (!stopping_) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) co_return;
            spdlog::warn("{} listener: accept failed: {}", options_.name, ec.message());
            continue;
        }
        if (connections_.size() >= kMaxConnections) {
            spdlog::warn("{} listener: {} connections open, refusing {}", options_.name, kMaxConnections,
                         peer_name(socket));
            continue;  // the socket closes as it goes out of scope
        }
        const std::uint64_t id = ++next_id_;
        asio::co_spawn(ioc_, serve(std::move(socket), id), [name = options_.name](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                spdlog::error("{} listener: connection failed: {}", name, x.what());
            }
        });
    }
}

// GCC 12 wrongly reports -Wmismatched-new-delete for this coroutine's frame when it inlines
// asio's frame operator new and delete into the ramp: both are asio's own matched pair (as in
// connectors/sim/clinical_sim_server.cpp). Silenced for this one function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> HttpsServer::serve(tcp::socket socket, std::uint64_t id) {
    const std::string peer = peer_name(socket);
    {
        boost::system::error_code ec;
        socket.set_option(tcp::no_delay(true), ec);
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), tls_);
    Connection conn{&beast::get_lowest_layer(stream).socket(), false};
    connections_[id] = &conn;
    struct Forget {
        std::map<std::uint64_t, Connection*>& map;
        std::uint64_t id;
        ~Forget() { map.erase(id); }
    } forget{connections_, id};

    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable)); ec) {
        spdlog::info("{} listener: {}: TLS handshake refused: {}", options_.name, peer, ec.message());
        co_return;
    }
    std::string who = peer;
    if (const std::string subject = client_subject(stream.native_handle()); !subject.empty())
        who += " (" + subject + ")";

    beast::flat_buffer buffer;
    while (!stopping_) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(kMaxHeader);
        parser.body_limit(options_.body_limit);
        beast::get_lowest_layer(stream).expires_after(kReadTimeout);
        auto [rec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
        conn.busy = true;
        HttpAnswer answer;
        bool close_after = false;
        bool linger = false;  // refused unread: drain what the client still sends, then close
        if (rec == http::error::body_limit) {
            // Over the limit: answered from the headers alone; the rest is never read.
            if (options_.capture && parser.is_header_done()) options_.capture(raw_request(parser, false));
            answer = options_.too_large ? options_.too_large(who)
                                        : json_status(413, "too_large", "the request body is over the limit");
            close_after = linger = true;
        } else if (auto refused = refused_request_answer(rec)) {
            // Not HTTP, or a header over the limit: the client learns why instead of seeing the
            // connection drop, and the connection ends, since where the next request would
            // start in the byte stream is unknown. Nothing of the request is logged or captured.
            spdlog::info("{} listener: {}: request refused ({}): {}", options_.name, who, refused->status,
                         rec.message());
            answer = std::move(*refused);
            close_after = linger = true;
        } else if (rec) {
            if (rec != http::error::end_of_stream && rec != asio::ssl::error::stream_truncated &&
                rec != asio::error::operation_aborted)
                spdlog::debug("{} listener: {}: read ended: {}", options_.name, peer, rec.message());
            co_return;
        } else {
            if (options_.capture) options_.capture(raw_request(parser, true));
            auto& req = parser.get();
            HttpAsk ask{std::string(req.method_string()), std::string(req.target()),
                        std::string(req[http::field::content_type]), std::move(req.body()), who};
            answer = options_.handler(ask);
            close_after = !req.keep_alive();
        }

        http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
        res.set(http::field::server, "gpwatch-collector");
        if (!answer.content_type.empty()) res.set(http::field::content_type, answer.content_type);
        for (const auto& [name, value] : answer.headers) res.set(name, value);
        res.body() = std::move(answer.body);
        res.keep_alive(!close_after && !stopping_);
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
        auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
        conn.busy = false;
        if (wec) break;
        if (linger) {
            // The client may still be sending the body or header we refused. Closing a socket
            // with unread data makes the kernel send a reset, which can destroy the 413 (or 400,
            // 431) before the client reads it; so the rest is drained and thrown away (never parsed or kept), for at
            // most a second and a megabyte, as web servers' "lingering close" does.
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
            char sink[16 * 1024];
            for (std::size_t drained = 0; drained < 1024 * 1024;) {
                auto [dec, dn] = co_await stream.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
                if (dec) break;
                drained += dn;
            }
            co_return;
        }
        if (!res.keep_alive()) break;
    }
    beast::get_lowest_layer(stream).expires_after(kShutdownTimeout);
    co_await stream.async_shutdown(as_tuple(use_awaitable));
}

#pragma GCC diagnostic pop

}  // namespace gpwatch::collector
