#include "connectors/https/keep_alive_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "connectors/tls/client_context.hpp"

namespace gpwatch::https {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

bool is_stale_connection_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct KeepAliveClient::Connection {
    Connection(asio::any_io_executor ex, asio::ssl::context ctx) : tls(std::move(ctx)), stream(ex, tls) {}
    asio::ssl::context tls;
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;  // kept between keep-alive responses
};

KeepAliveClient::KeepAliveClient(asio::any_io_executor ex, KeepAliveOptions options, std::function<bool()> stopping)
    : ex_(std::move(ex)), options_(std::move(options)), stopping_(std::move(stopping)) {}

KeepAliveClient::~KeepAliveClient() = default;

void KeepAliveClient::close() {
    if (!conn_) return;
    error_code ec;
    beast::get_lowest_layer(conn_->stream).socket().close(ec);
    conn_.reset();
}

asio::awaitable<std::optional<Response>> KeepAliveClient::connect() {
    const auto& host = options_.host;
    const auto& port = options_.port;
    Response failed;
    std::shared_ptr<Connection> conn;
    try {
        // Built anew for every connection so renewed certificate files are picked up.
        conn = std::make_shared<Connection>(
            ex_, tls::make_client_context(options_.ca_file, options_.client_cert_file, options_.client_key_file));
    } catch (const std::exception& e) {
        failed.failure = Failure::tls_failed;
        failed.error = e.what();
        co_return failed;
    }
    conn_ = conn;
    auto& tcp_layer = beast::get_lowest_layer(conn->stream);
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);

    tcp::resolver resolver(ex_);
    auto endpoints = co_await resolver.async_resolve(host, port, token);
    if (!ec && !stopping_()) {
        tcp_layer.expires_after(options_.timeout);
        co_await tcp_layer.async_connect(endpoints, token);
    }
    if (stopping_() || ec) {
        failed.failure = ec == beast::error::timeout ? Failure::timed_out : Failure::connection_failed;
        failed.error = stopping_() ? "stopping" : "cannot connect to " + host + ":" + port + ": " + ec.message();
        co_return failed;
    }
    // Requests are small and answered one at a time: Nagle's algorithm with delayed ACKs would
    // add ~40 ms to each.
    error_code nodelay_ec;
    tcp_layer.socket().set_option(tcp::no_delay(true), nodelay_ec);
    // Verify the server's certificate against the CA and the URL's host (SNI too for names).
    error_code not_ip;
    asio::ip::make_address(host, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(conn->stream.native_handle(), host.c_str());
    conn->stream.set_verify_callback(asio::ssl::host_name_verification(host));
    tcp_layer.expires_after(options_.timeout);
    co_await conn->stream.async_handshake(asio::ssl::stream_base::client, token);
    if (stopping_() || ec) {
        failed.failure = ec == beast::error::timeout ? Failure::timed_out : Failure::tls_failed;
        failed.error = stopping_() ? "stopping"
                                   : "TLS handshake with " + host + ":" + port + " failed: " + tls::describe_tls_error(ec);
        co_return failed;
    }
    co_return std::nullopt;
}

// GCC 12 wrongly reports -Wmismatched-new-delete for this coroutine's frame when it inlines
// asio's frame operator new and delete into the ramp: both are asio's own matched pair.
// Silenced for this one function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<Response> KeepAliveClient::send(const std::function<void(Request&)>& fill, std::size_t body_limit) {
    Response reply;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = conn_ != nullptr;
        if (!reused) {
            if (auto failed = co_await connect()) {
                close();
                co_return *failed;
            }
        }
        auto conn = conn_;
        Request req;
        req.version(11);
        req.set(http::field::host, options_.host + ":" + options_.port);
        fill(req);
        req.keep_alive(true);
        req.prepare_payload();

        error_code ec;
        auto token = asio::redirect_error(asio::use_awaitable, ec);
        auto& tcp_layer = beast::get_lowest_layer(conn->stream);
        tcp_layer.expires_after(options_.timeout);
        co_await http::async_write(conn->stream, req, token);
        http::response_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        if (!ec && !stopping_()) {
            tcp_layer.expires_after(options_.timeout);
            co_await http::async_read(conn->stream, conn->buffer, parser, token);
        }
        if (stopping_()) {
            reply.error = "stopping";
            co_return reply;
        }
        if (ec) {
            close();
            if (ec == http::error::body_limit) {
                reply.too_large = true;
                if (parser.is_header_done()) reply.status = parser.get().result_int();
                reply.error = "the answer is larger than " + std::to_string(body_limit) + " bytes";
                co_return reply;
            }
            // A kept-alive connection the server has meanwhile closed: try once on a new one.
            if (reused && attempt == 0 && is_stale_connection_error(ec)) continue;
            reply.failure = ec == beast::error::timeout ? Failure::timed_out : Failure::connection_failed;
            reply.error = ec == beast::error::timeout
                              ? "no answer within " + std::to_string(options_.timeout.count()) + " ms"
                              : ec.message();
            co_return reply;
        }
        tcp_layer.expires_never();
        reply.res = parser.release();
        reply.status = reply.res.result_int();
        if (!reply.res.keep_alive()) close();
        co_return reply;
    }
    co_return reply;
}
#pragma GCC diagnostic pop

}  // namespace gpwatch::https
