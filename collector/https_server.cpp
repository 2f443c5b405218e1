#include "collector/https_server.hpp"

#include <algorithm>
#include <chrono>

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
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

#include "collector/request_checks.hpp"
#include "connectors/tls/listen_socket.hpp"

namespace gpwatch::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

// Deadlines, each from the moment the connection reaches that stage. Short ones before a client
// has shown it speaks TLS and HTTP, because that is where an attacker holds connections for free
// (they were 10 s for the handshake and 30 s for the whole request; 600 connections dribbling a
// header then kept the page from answering for a minute). A practice's upload or a browser's
// request takes milliseconds for each stage, even over a slow link.
constexpr auto kHandshakeTimeout = std::chrono::seconds(3);   // accept -> TLS handshake done
constexpr auto kFirstByteTimeout = std::chrono::seconds(5);   // handshake -> first byte of a request
constexpr auto kHeaderTimeout = std::chrono::seconds(5);      // a request's first byte -> its whole header
constexpr auto kKeepAliveTimeout = std::chrono::seconds(15);  // idle between two requests
constexpr auto kBodyTimeout = std::chrono::seconds(30);       // header -> the whole body (up to the limit)
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kShutdownTimeout = std::chrono::seconds(3);
constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr std::size_t kReadChunk = 4096;
// Lines about refused and dropped connections: at most one per kind per interval (LogTally).
constexpr auto kTallyInterval = std::chrono::seconds(10);
// A failed accept for want of descriptors or memory is retried after this pause, doubled on each
// failure in a row up to kAcceptPauseMax: accepting again at once fails again at once (it once
// spun at 100% CPU, logging 2.88 million lines in 6 s), and the pause gives connections time to
// end and free descriptors.
constexpr auto kAcceptPauseMin = std::chrono::milliseconds(50);
constexpr auto kAcceptPauseMax = std::chrono::milliseconds(200);

bool out_of_resources(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// The tally kinds: "ACTION|WHY", ACTION holding {} where the count goes.
std::string kind(std::string_view action, std::string_view why) { return std::string(action) + "|" + std::string(why); }

std::string_view view(const beast::flat_buffer& b) {
    return {static_cast<const char*>(b.data().data()), b.data().size()};
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
    Connection(std::uint64_t i, std::string p, tcp::socket s) : id(i), peer(std::move(p)), accepted(std::move(s)) {}
    std::uint64_t id;
    std::string peer;      // "address:port", for log lines
    tcp::socket accepted;  // until serve() moves it into its stream
    tcp::socket* socket = &accepted;  // the live socket, for stop() and for dropping it
    bool busy = false;     // a request is being answered: stop() lets it finish
    bool dropped = false;  // closed to make room for a newer connection: ends without a word
};

HttpsServer::HttpsServer(asio::io_context& ioc, asio::ssl::context& tls, ListenerOptions options)
    : ioc_(ioc),
      tls_(tls),
      options_(std::move(options)),
      acceptor_(ioc),
      admission_(options_.limits),
      tally_(kTallyInterval),
      tally_timer_(ioc),
      backoff_timer_(ioc) {}

HttpsServer::~HttpsServer() = default;

tcp::endpoint HttpsServer::bind(const std::string& host, std::uint16_t port) {
    try {
        tls::bind_acceptor(acceptor_, host, port);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        return acceptor_.local_endpoint();
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " (" + options_.name +
                                 "): " + e.code().message());
    }
}

void HttpsServer::start() {
    const auto& l = options_.limits;
    spdlog::info("{} listener: at most {} connections ({} kept for clients past mutual TLS), {} per client "
                 "address, {} TLS handshakes in progress per address",
                 options_.name, l.max_connections, l.reserved_for_authenticated, l.per_address_connections,
                 l.per_address_handshakes);
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
    backoff_timer_.cancel();
    for (auto& [id, c] : connections_)
        if (!c->busy) c->socket->close(ec);  // idle or handshaking: nothing to finish
    // What was counted but not yet said is said now; a pending timer would keep the event loop
    // (and so the stop) waiting for up to 10 s.
    log_summaries(tally_.flush(LogTally::Clock::now()));
    tally_timer_.cancel();
}

void HttpsServer::tally(const std::string& what, const std::string& first_line, std::string sample) {
    if (tally_.note(what, LogTally::Clock::now(), std::move(sample)))
        spdlog::warn("{} listener: {}; more like it are counted, one line per {} s", options_.name, first_line,
                     kTallyInterval.count());
    arm_tally_timer();
}

void HttpsServer::arm_tally_timer() {
    if (tally_timer_armed_ || stopping_) return;
    const auto next = tally_.next_due();
    if (!next) return;
    tally_timer_armed_ = true;
    tally_timer_.expires_at(*next);
    tally_timer_.async_wait([this](const boost::system::error_code& ec) {
        tally_timer_armed_ = false;
        if (ec || stopping_) return;
        log_summaries(tally_.due(LogTally::Clock::now()));
        arm_tally_timer();
    });
}

void HttpsServer::log_summaries(const std::vector<LogTally::Summary>& summaries) {
    for (const auto& s : summaries) {
        const auto bar = s.kind.find('|');
        std::string action = s.kind.substr(0, bar);
        const std::string why = bar == std::string::npos ? std::string() : s.kind.substr(bar + 1);
        if (const auto at = action.find("{}"); at != std::string::npos) action.replace(at, 2, with_thousands(s.count));
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(s.over).count();
        spdlog::warn("{} listener: {} in the last {} s ({}); the last: {}", options_.name, action,
                     std::max<long long>(secs, 1), why, s.last_sample);
    }
}

asio::awaitable<void> HttpsServer::accept_loop() {
    auto pause = std::chrono::milliseconds(0);
    while (!stopping_) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) co_return;
            if (out_of_resources(ec)) {
                pause = pause.count() == 0 ? kAcceptPauseMin : std::min(pause * 2, kAcceptPauseMax);
                tally(kind("accept failed {} times", ec.message() + ", retried after a pause of up to " +
                                                         std::to_string(kAcceptPauseMax.count()) + " ms"),
                      "accept failed: " + ec.message() + "; retrying after " + std::to_string(pause.count()) +
                          " ms, growing to " + std::to_string(kAcceptPauseMax.count()) + " ms while it fails",
                      ec.message());
                backoff_timer_.expires_after(pause);
                co_await backoff_timer_.async_wait(as_tuple(use_awaitable));
            } else {
                // ECONNABORTED and the like: that client left before it was accepted.
                tally(kind("accept failed {} times", ec.message()), "accept failed: " + ec.message(), ec.message());
            }
            continue;
        }
        pause = std::chrono::milliseconds(0);
        admit(std::move(socket));
    }
}

void HttpsServer::admit(tcp::socket socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return;  // gone already; the socket closes as it goes out of scope
    const std::string peer = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    const std::string client = client_key(endpoint.address());
    const std::uint64_t id = ++next_id_;
    const auto decision = admission_.admit(id, client);
    if (decision.refused) {
        // Closed with a reset rather than a FIN: nothing was said on it, and no TIME_WAIT state
        // is kept for a connection the attacker may open again a moment later.
        socket.set_option(asio::socket_base::linger(true, 0), ec);
        socket.close(ec);
        const std::string why = refusal_text(*decision.refused);
        const auto& l = admission_.limits();
        const std::size_t cap = *decision.refused == Refusal::per_address_connections ? l.per_address_connections
                                : *decision.refused == Refusal::per_address_handshakes ? l.per_address_handshakes
                                                                                        : l.max_connections;
        tally(kind("refused {} connections", why + ": " + std::to_string(cap)),
              "refused a connection from " + peer + " (" + why + ": " + std::to_string(cap) + ")", peer);
        return;
    }
    if (decision.drop) {
        std::string victim = "an earlier connection";
        if (const auto it = connections_.find(*decision.drop); it != connections_.end()) {
            it->second->dropped = true;
            it->second->socket->set_option(asio::socket_base::linger(true, 0), ec);
            it->second->socket->close(ec);
            victim = it->second->peer;
        }
        const std::string why = "all " + std::to_string(admission_.limits().max_connections) +
                                " connections, or all those not past mutual TLS, in use";
        tally(kind("dropped {} idle connections to make room", why),
              "dropped the oldest idle connection (" + victim + ") to make room for " + peer + " (" + why + ")",
              victim + " for " + peer);
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(id, peer, std::move(socket));
    connections_[id] = conn;
    asio::co_spawn(ioc_, serve(std::move(conn)), [name = options_.name](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            spdlog::error("{} listener: connection failed: {}", name, x.what());
        }
    });
}

// GCC 12 wrongly reports -Wmismatched-new-delete for this coroutine's frame when it inlines
// asio's frame operator new and delete into the ramp: both are asio's own matched pair (as in
// sim/clinical/clinical_sim_server.cpp). Silenced for this one function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> HttpsServer::serve(std::shared_ptr<Connection> conn) {
    struct Forget {
        HttpsServer& server;
        std::uint64_t id;
        ~Forget() {
            server.connections_.erase(id);
            server.admission_.release(id);
        }
    } forget{*this, conn->id};
    const std::string& peer = conn->peer;
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(conn->accepted)), tls_);
    auto& lowest = beast::get_lowest_layer(stream);
    conn->socket = &lowest.socket();
    if (conn->dropped || stopping_) co_return;  // closed before it started

    lowest.expires_after(kHandshakeTimeout);
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable)); ec) {
        if (conn->dropped || stopping_) co_return;
        if (ec == beast::error::timeout)
            tally(kind("cut {} connections", "TLS handshake not done within " +
                                                 std::to_string(kHandshakeTimeout.count()) + " s"),
                  peer + ": TLS handshake not done within " + std::to_string(kHandshakeTimeout.count()) + " s", peer);
        else
            tally(kind("refused {} TLS handshakes", ec.message()), peer + ": TLS handshake refused: " + ec.message(),
                  peer);
        co_return;
    }
    SSL* ssl = stream.native_handle();
    admission_.handshake_done(conn->id, SSL_get0_peer_certificate(ssl) && SSL_get_verify_result(ssl) == X509_V_OK);
    std::string who = peer;
    if (const std::string subject = client_subject(ssl); !subject.empty()) who += " (" + subject + ")";

    beast::flat_buffer buffer;
    bool first_request = true;
    while (!stopping_) {
        // The first byte of the next request: soon after the handshake, or within the keep-alive
        // time after the last answer.
        if (buffer.size() == 0) {
            lowest.expires_after(first_request ? kFirstByteTimeout : kKeepAliveTimeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), as_tuple(use_awaitable));
            if (ec) {
                // An idle keep-alive connection timing out is the normal end of one; only a
                // connection that never sent a request is worth counting.
                if (ec == beast::error::timeout && first_request && !conn->dropped && !stopping_)
                    tally(kind("cut {} connections", "no request within " + std::to_string(kFirstByteTimeout.count()) +
                                                         " s of the TLS handshake"),
                          who + ": no request within " + std::to_string(kFirstByteTimeout.count()) +
                              " s of the TLS handshake",
                          who);
                co_return;
            }
            buffer.commit(n);
        }
        first_request = false;
        // The whole header, against one deadline from its first byte (not one per read: a
        // client sending a byte every few seconds would otherwise hold the connection for ever).
        lowest.expires_after(kHeaderTimeout);
        std::size_t end = header_end(view(buffer));
        while (end == std::string_view::npos && buffer.size() < kMaxHeader) {
            const std::size_t searched = buffer.size() > 3 ? buffer.size() - 3 : 0;
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), as_tuple(use_awaitable));
            if (ec) {
                if (ec == beast::error::timeout && !conn->dropped && !stopping_)
                    tally(kind("cut {} connections", "request header not complete within " +
                                                         std::to_string(kHeaderTimeout.count()) + " s of its first byte"),
                          who + ": request header not complete within " + std::to_string(kHeaderTimeout.count()) +
                              " s of its first byte",
                          who);
                co_return;  // a partial request: nothing to answer
            }
            buffer.commit(n);
            if (const auto e = header_end(view(buffer).substr(searched)); e != std::string_view::npos)
                end = searched + e;
        }

        http::request_parser<http::string_body> parser;
        parser.header_limit(kMaxHeader);
        // The body limit is applied once the header has passed its checks: a request refused
        // for its framing gets 400 even if its Content-Length is also over the limit.
        parser.body_limit(boost::none);
        std::string problem;
        boost::system::error_code rec;
        if (end != std::string_view::npos) problem = obs_fold_problem(view(buffer).substr(0, end));
        if (problem.empty()) {
            // The header is in the buffer (or it is over the limit): parsed without reading.
            auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
            rec = hec;
            if (!rec) problem = framing_problem(parser.get().base(), parser.get().version());
        }
        bool too_large = false;
        if (problem.empty() && !rec) {
            if (const auto length = parser.content_length(); length && *length > options_.body_limit) {
                too_large = true;  // answered from the header alone; the body is never read
            } else {
                parser.body_limit(options_.body_limit);
                lowest.expires_after(kBodyTimeout);
                auto [bec, bn] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
                rec = bec;
                if (rec == http::error::body_limit) too_large = true;  // chunked, over the limit
            }
        }

        conn->busy = true;
        admission_.set_busy(conn->id, true);
        HttpAnswer answer;
        bool close_after = false;
        bool linger = false;  // refused unread: drain what the client still sends, then close
        std::optional<HttpAnswer> refused;
        if (!problem.empty()) {
            refused = json_status(400, "bad_request", "the request is refused: " + problem);
        } else if (!too_large && rec) {
            refused = refused_request_answer(rec);
            problem = rec.message();
        }
        if (too_large) {
            if (options_.capture && parser.is_header_done()) options_.capture(raw_request(parser, false));
            answer = options_.too_large ? options_.too_large(who)
                                        : json_status(413, "too_large", "the request body is over the limit");
            close_after = linger = true;
        } else if (refused) {
            // Not HTTP, framing RFC 9112 says to refuse, or a header over the limit: the client
            // learns why instead of seeing the connection drop, and the connection ends, since
            // where the next request would start in the byte stream is unknown. Nothing of the
            // request is logged or captured.
            tally(kind("refused {} requests", std::to_string(refused->status)),
                  who + ": request refused (" + std::to_string(refused->status) + "): " + problem,
                  who + ": " + problem);
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
        lowest.expires_after(kWriteTimeout);
        auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
        conn->busy = false;
        admission_.set_busy(conn->id, false);
        if (wec) break;
        if (linger) {
            // The client may still be sending the body or header we refused. Closing a socket
            // with unread data makes the kernel send a reset, which can destroy the 413 (or 400,
            // 431) before the client reads it; so the rest is drained and thrown away (never parsed or kept), for at
            // most a second and a megabyte, as web servers' "lingering close" does.
            lowest.expires_after(std::chrono::seconds(1));
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
    lowest.expires_after(kShutdownTimeout);
    co_await stream.async_shutdown(as_tuple(use_awaitable));
}

#pragma GCC diagnostic pop

}  // namespace gpwatch::collector
