#include "connectors/clinical_feed/feed_client.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "connectors/clinical_feed/feed_message_parser.hpp"
#include "connectors/tls/client_context.hpp"
#include "proto/url.hpp"

namespace gpwatch::clinical_feed {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct ClinicalFeedClient::ParserHolder {
    FeedMessageParser parser;
};

struct ClinicalFeedClient::Connection {
    Connection(asio::any_io_executor ex, asio::ssl::context ctx)
        : tls(std::move(ctx)), ws(ex, tls) {}
    asio::ssl::context tls;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    bool writing = false;
    bool subscribed = false;
    std::uint64_t ack_sent = 0;
    std::uint64_t ack_in_flight = 0;
    std::string out;
};

ClinicalFeedClient::ClinicalFeedClient(asio::any_io_executor ex, FeedClientOptions options,
                                       EventHandler on_event, std::uint64_t durable_seq)
    : ex_(ex),
      options_(std::move(options)),
      on_event_(std::move(on_event)),
      durable_seq_(durable_seq),
      delivered_seq_(durable_seq),
      loop_(ex, "clinical feed"),
      backoff_timer_(ex),
      parser_(std::make_unique<ParserHolder>()) {}

ClinicalFeedClient::~ClinicalFeedClient() = default;

void ClinicalFeedClient::start() {
    loop_.start([this] { return run(); });
}

void ClinicalFeedClient::stop(std::function<void()> on_stopped) {
    loop_.stop(std::move(on_stopped), [this] {
        backoff_timer_.cancel();
        if (conn_) {
            error_code ec;
            beast::get_lowest_layer(conn_->ws).socket().close(ec);
        }
    });
}

void ClinicalFeedClient::acknowledge(std::uint64_t seq) {
    if (seq > durable_seq_) durable_seq_ = seq;
    pump_ack();
}

// Sends {"type":"ack"} for the newest durable seq; at most one write is in flight at a time
// (Beast allows one read and one write outstanding on a stream).
void ClinicalFeedClient::pump_ack() {
    auto conn = conn_;
    if (!conn || !conn->subscribed || conn->writing || durable_seq_ <= conn->ack_sent) return;
    conn->writing = true;
    conn->ack_in_flight = durable_seq_;
    conn->out = "{\"type\":\"ack\",\"seq\":" + std::to_string(durable_seq_) + "}";
    conn->ws.text(true);
    conn->ws.async_write(asio::buffer(conn->out), [this, conn](error_code ec, std::size_t) {
        conn->writing = false;
        if (ec) return;  // the read side sees the broken connection and reconnects
        conn->ack_sent = conn->ack_in_flight;
        if (conn_ == conn) pump_ack();
    });
}

asio::awaitable<void> ClinicalFeedClient::run() {
    client_loop::Backoff backoff(options_.reconnect_initial, options_.reconnect_max);
    while (!loop_.stopping()) {
        auto started = std::chrono::steady_clock::now();
        auto delivered_before = delivered_seq_;
        std::string why = co_await session();
        connected_ = false;
        conn_.reset();
        if (loop_.stopping()) break;
        ++counters_.disconnects;
        last_error_ = why;
        last_error_at_ = client_loop::unix_now();

        // A connection that lived a while or made progress was healthy: start backing off afresh.
        bool healthy = delivered_seq_ > delivered_before ||
                       std::chrono::steady_clock::now() - started > std::chrono::seconds(30);
        if (healthy) backoff.reset();
        if (why == "gap" && delivered_seq_ > delivered_before) {
            // A gap after progress: resubscribe at once. A gap with no progress at all (a server
            // that keeps skipping the same seq) falls through to the backoff, so it is no tight loop.
            spdlog::warn("clinical feed: resubscribing from durable seq {} after a gap", durable_seq_);
            continue;
        }
        auto wait = backoff.jittered();
        spdlog::warn("clinical feed: disconnected ({}); reconnecting in {} ms", why, wait.count());
        backoff.grow();
        backoff_timer_.expires_after(wait);
        error_code ec;
        co_await backoff_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return;
}

// GCC 12 wrongly reports -Wmismatched-new-delete for this coroutine's frame when it inlines
// asio's frame operator new and delete into the ramp: both are asio's own matched pair.
// Silenced for this one function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<std::string> ClinicalFeedClient::session() {
    auto url = parse_url(options_.url);
    if (!url || url->scheme != "wss") co_return "the feed url is not wss://host:port/path";

    std::shared_ptr<Connection> conn;
    try {
        // Built anew for every connection so a renewed CA file is picked up without a restart.
        conn = std::make_shared<Connection>(ex_, tls::make_client_context(options_.ca_file));
    } catch (const std::exception& e) {
        co_return e.what();
    }
    conn_ = conn;
    auto& ws = conn->ws;
    auto& tcp_layer = beast::get_lowest_layer(ws);
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);

    tcp::resolver resolver(ex_);
    auto endpoints = co_await resolver.async_resolve(url->host, url->port, token);
    if (loop_.stopping()) co_return "stopping";
    if (ec) co_return "cannot resolve " + url->host + ": " + ec.message();
    tcp_layer.expires_after(std::chrono::seconds(10));
    co_await tcp_layer.async_connect(endpoints, token);
    if (loop_.stopping()) co_return "stopping";
    if (ec) co_return "cannot connect to " + url->host + ":" + url->port + ": " + ec.message();

    // Verify the certificate against the CA and the URL's host name (SNI too for names).
    auto* ssl = ws.next_layer().native_handle();
    error_code parse_ec;
    asio::ip::make_address(url->host, parse_ec);
    if (parse_ec) SSL_set_tlsext_host_name(ssl, url->host.c_str());
    ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(url->host));
    tcp_layer.expires_after(std::chrono::seconds(10));
    co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, token);
    if (loop_.stopping()) co_return "stopping";
    if (ec) co_return "TLS handshake failed: " + tls::describe_tls_error(ec);

    tcp_layer.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = options_.heartbeat_interval * 3;  // three silent heartbeats = dead
    timeouts.keep_alive_pings = false;
    ws.set_option(timeouts);
    // No Beast limit: the read loop below enforces max_frame_bytes itself. When Beast refuses a
    // frame it closes the TLS stream, and if the server is still streaming the teardown's error
    // replaces message_too_big, so the refusal went uncounted and the log blamed TLS instead.
    ws.read_message_max(0);
    ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + options_.token);
        req.set(beast::http::field::user_agent, "gpwatchd");
    }));
    websocket::response_type response;
    co_await ws.async_handshake(response, url->host + ":" + url->port, url->target, token);
    if (loop_.stopping()) co_return "stopping";
    if (ec) {
        if (response.result_int() == 401 || response.result_int() == 403)
            co_return "the feed refused the bearer token (HTTP " +
                std::to_string(response.result_int()) + "): check clinical_feed.token or token_file";
        co_return "WebSocket upgrade failed: " + ec.message();
    }

    ++counters_.connects;
    connected_ = true;
    next_expected_ = durable_seq_ + 1;
    conn->out = "{\"type\":\"subscribe\",\"practice\":\"" + options_.practice +
                "\",\"after\":" + std::to_string(durable_seq_) + "}";
    conn->ack_sent = durable_seq_;
    conn->writing = true;
    ws.text(true);
    co_await ws.async_write(asio::buffer(conn->out), token);
    conn->writing = false;
    if (ec) co_return "cannot subscribe: " + ec.message();
    conn->subscribed = true;
    spdlog::info("clinical feed: connected to {}, subscribed after seq {}", options_.url, durable_seq_);
    pump_ack();

    beast::flat_buffer buffer;
    std::string end_reason;
    while (!loop_.stopping() && end_reason.empty()) {
        buffer.clear();
        // Reads at most one byte past the limit, so memory stays bounded whatever the frame says.
        bool oversize = false;
        do {
            co_await ws.async_read_some(buffer, options_.max_frame_bytes + 1 - buffer.size(), token);
            if (ec) break;
            oversize = buffer.size() > options_.max_frame_bytes;
        } while (!oversize && !ws.is_message_done());
        if (oversize) {
            ++counters_.oversize_frames;
            co_return "refused a frame larger than max_frame_bytes (" +
                std::to_string(options_.max_frame_bytes) + " bytes) after seq " +
                std::to_string(delivered_seq_);
        }
        if (ec == websocket::error::closed) co_return "the server closed the connection";
        if (ec) co_return ec.message();
        auto data = buffer.cdata();
        handle_frame(std::string_view(static_cast<const char*>(data.data()), data.size()), *conn,
                     end_reason);
    }
    if (!loop_.stopping()) {
        co_await ws.async_close(websocket::close_code::normal, token);
    }
    co_return end_reason.empty() ? std::string("stopping") : end_reason;
}
#pragma GCC diagnostic pop

void ClinicalFeedClient::handle_frame(std::string_view frame, Connection& /*conn*/,
                                      std::string& end_reason) {
    auto message = parser_->parser.parse(frame);
    if (auto* ev = std::get_if<RecordEvent>(&message)) {
        if (ev->seq < next_expected_ || ev->seq <= delivered_seq_) {
            // Replayed after a resubscribe: already handed over and on its way to the ledger.
            ++counters_.duplicates_skipped;
            next_expected_ = std::max(next_expected_, ev->seq + 1);
            return;
        }
        if (ev->seq > next_expected_) {
            ++counters_.gaps;
            spdlog::warn("clinical feed: gap: expected seq {}, got {}", next_expected_, ev->seq);
            end_reason = "gap";
            return;
        }
        next_expected_ = ev->seq + 1;
        delivered_seq_ = ev->seq;
        ++counters_.events;
        last_event_at_ = client_loop::unix_now();
        on_event_(std::move(*ev));
        return;
    }
    if (auto* bad = std::get_if<Malformed>(&message)) {
        // Never dropped: it takes its place in the sequence and is quarantined downstream. A frame
        // whose seq cannot be read is assumed to be the next one (the server sends in order).
        RecordEvent q;
        q.feed = Feed::clinical;
        q.kind = EventKind::unparseable;
        q.seq = bad->seq ? bad->seq : next_expected_;
        if (q.seq < next_expected_ || q.seq <= delivered_seq_) {
            // Replayed after a resubscribe, like any event: it was quarantined the first time.
            ++counters_.duplicates_skipped;
            next_expected_ = std::max(next_expected_, q.seq + 1);
            return;
        }
        ++counters_.malformed;
        if (q.seq != next_expected_) {
            ++counters_.gaps;
            end_reason = "gap";
            return;
        }
        q.time = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        q.entry_id = "unparseable-seq-" + std::to_string(q.seq);
        q.raw = std::string(frame);
        q.parse_error = bad->why;
        spdlog::error("clinical feed: seq {} cannot be parsed ({}); quarantined", q.seq, bad->why);
        next_expected_ = q.seq + 1;
        delivered_seq_ = q.seq;
        on_event_(std::move(q));
        return;
    }
    if (auto* err = std::get_if<ServerError>(&message)) {
        spdlog::error("clinical feed: the server says: {}", err->message);
        end_reason = "server error: " + err->message;
        return;
    }
    if (std::get_if<Heartbeat>(&message)) {
        last_heartbeat_at_ = client_loop::unix_now();
        return;
    }
    if (auto* u = std::get_if<Unrecognised>(&message))
        spdlog::debug("clinical feed: ignoring a message of type '{}'", u->type);
}

}  // namespace gpwatch::clinical_feed
