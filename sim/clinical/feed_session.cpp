#include "sim/clinical/feed_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "sim/clinical/event_log.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::as_tuple;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxClientMessage = 64 * 1024;  // subscribe and ack are tiny
constexpr auto kSubscribeTimeout = std::chrono::seconds(30);

Clock::duration to_clock(std::chrono::duration<double> d) { return std::chrono::duration_cast<Clock::duration>(d); }

// A server-to-client WebSocket frame header (unmasked, FIN, text) announcing `length` bytes.
std::string text_frame_header(std::size_t length) {
    std::string h;
    h.push_back(static_cast<char>(0x81));
    if (length < 126) {
        h.push_back(static_cast<char>(length));
    } else if (length <= 0xffff) {
        h.push_back(static_cast<char>(126));
        for (int shift = 8; shift >= 0; shift -= 8) h.push_back(static_cast<char>((length >> shift) & 0xff));
    } else {
        h.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            h.push_back(static_cast<char>((static_cast<std::uint64_t>(length) >> shift) & 0xff));
    }
    return h;
}

}  // namespace

FeedSession::FeedSession(WsStream ws, ClinicalEventLog& log, const FeedSessionSettings& settings,
                         std::uint64_t chaos_seed, std::string peer)
    : ws_(std::move(ws)),
      log_(log),
      settings_(settings),
      chaos_rng_(chaos_seed),
      peer_(std::move(peer)),
      wake_(ws_.get_executor()),
      subscribe_deadline_(ws_.get_executor()) {}

void FeedSession::close_socket() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
}

void FeedSession::abort() {
    closed_ = true;
    close_socket();
    wake_.cancel();
}

asio::awaitable<void> FeedSession::run(http::request<http::string_body> upgrade) {
    // Beast's suggested server time-outs, plus keep-alive pings so a vanished client is noticed.
    websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::seconds(60);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "gpwatch-sim clinical"); }));
    ws_.read_message_max(kMaxClientMessage);

    auto [ec] = co_await ws_.async_accept(upgrade, as_tuple(use_awaitable));
    if (ec) {
        spdlog::info("clinical sim: {}: websocket handshake failed: {}", peer_, ec.message());
        co_return;
    }
    if (!co_await read_subscribe()) co_return;

    spdlog::info("clinical sim: {} subscribed after seq {} (latest {})", peer_, cursor_ - 1, log_.latest_seq());
    // The reader runs beside the writer; it owns a reference so the stream outlives both.
    asio::co_spawn(ws_.get_executor(), read_loop(shared_from_this()), [](std::exception_ptr e) {
        if (e) try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                spdlog::error("clinical sim: session reader failed: {}", x.what());
            }
    });
    co_await write_loop();
    close_socket();
    spdlog::info("clinical sim: {} disconnected (sent up to seq {}, acked {})", peer_, cursor_ - 1, highest_ack_);
}

asio::awaitable<bool> FeedSession::read_subscribe() {
    // A client that never subscribes is dropped rather than held open.
    subscribe_deadline_.expires_after(kSubscribeTimeout);
    subscribe_deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) {
            spdlog::info("clinical sim: {}: no subscribe within {} s", self->peer_, kSubscribeTimeout.count());
            self->close_socket();
        }
    });

    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, as_tuple(use_awaitable));
    subscribe_deadline_.cancel();
    if (ec) {
        spdlog::info("clinical sim: {}: closed before subscribing: {}", peer_, ec.message());
        co_return false;
    }
    if (!ws_.got_text()) {
        co_await refuse("subscribe must be a JSON text frame");
        co_return false;
    }

    json::error_code jec;
    const json::value msg = json::parse(beast::buffers_to_string(buffer.data()), jec);
    const json::object* obj = jec ? nullptr : msg.if_object();
    if (!obj) {
        co_await refuse("malformed subscribe: not a JSON object");
        co_return false;
    }
    const json::value* type = obj->if_contains("type");
    if (!type || !type->is_string() || type->get_string() != "subscribe") {
        co_await refuse("expected {\"type\":\"subscribe\",\"practice\":…,\"after\":…} first");
        co_return false;
    }
    const json::value* practice = obj->if_contains("practice");
    if (!practice || !practice->is_string()) {
        co_await refuse("malformed subscribe: practice missing");
        co_return false;
    }
    if (practice->get_string() != settings_.practice) {
        co_await refuse("unknown practice " + std::string(practice->get_string()) + ": this feed serves " +
                        settings_.practice);
        co_return false;
    }
    const json::value* after = obj->if_contains("after");
    std::uint64_t after_seq = 0;
    if (after && after->is_uint64()) {
        after_seq = after->get_uint64();
    } else if (after && after->is_int64() && after->get_int64() >= 0) {
        after_seq = static_cast<std::uint64_t>(after->get_int64());
    } else {
        co_await refuse("malformed subscribe: after must be a whole number >= 0");
        co_return false;
    }
    // Replay starts right after the client's seq, or at the oldest event still retained.
    cursor_ = std::max(after_seq + 1, log_.first_retained_seq());
    co_return true;
}

asio::awaitable<void> FeedSession::refuse(std::string message) {
    spdlog::warn("clinical sim: {}: refusing subscription: {}", peer_, message);
    const std::string frame = json::serialize(json::object{{"type", "error"}, {"message", message}});
    ws_.text(true);
    auto [wec, wn] = co_await ws_.async_write(asio::buffer(frame), as_tuple(use_awaitable));
    if (!wec) co_await ws_.async_close(websocket::close_code::policy_error, as_tuple(use_awaitable));
    close_socket();
}

asio::awaitable<void> FeedSession::read_loop(std::shared_ptr<FeedSession> self) {
    // `self` is held for the coroutine's whole life: it keeps the stream alive while reading.
    (void)self;
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await ws_.async_read(buffer, as_tuple(use_awaitable));
        if (ec) {
            if (ec != websocket::error::closed && ec != asio::error::operation_aborted)
                spdlog::debug("clinical sim: {}: read ended: {}", peer_, ec.message());
            break;
        }
        json::error_code jec;
        const json::value msg = json::parse(beast::buffers_to_string(buffer.data()), jec);
        buffer.consume(buffer.size());
        const json::object* obj = jec ? nullptr : msg.if_object();
        const json::value* type = obj ? obj->if_contains("type") : nullptr;
        const json::value* seq = obj ? obj->if_contains("seq") : nullptr;
        if (type && type->is_string() && type->get_string() == "ack" && seq && (seq->is_uint64() || seq->is_int64())) {
            const auto acked = seq->is_uint64() ? seq->get_uint64() : static_cast<std::uint64_t>(seq->get_int64());
            highest_ack_ = std::max(highest_ack_, acked);
            log_.note_ack(acked);
            spdlog::debug("clinical sim: {} acked seq {}", peer_, acked);
        } else {
            spdlog::warn("clinical sim: {}: ignoring unexpected message", peer_);
        }
    }
    closed_ = true;
    wake_.cancel();
}

asio::awaitable<bool> FeedSession::send(std::string_view text) {
    ws_.text(true);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(text.data(), text.size()), as_tuple(use_awaitable));
    if (ec) {
        spdlog::debug("clinical sim: {}: write failed: {}", peer_, ec.message());
        closed_ = true;
    }
    co_return !ec;
}

asio::awaitable<void> FeedSession::write_loop() {
    log_.add_waiter(&wake_);
    struct Unregister {
        ClinicalEventLog& log;
        asio::steady_timer* timer;
        ~Unregister() { log.remove_waiter(timer); }
    } unregister{log_, &wake_};

    const auto heartbeat = to_clock(settings_.heartbeat);
    auto next_heartbeat = Clock::now() + heartbeat;
    auto chaos_at = Clock::time_point::max();
    if (settings_.chaos)
        chaos_at = Clock::now() + to_clock(std::chrono::duration<double>(chaos_rng_.uniform(
                                      settings_.chaos_min_life.count(), settings_.chaos_max_life.count())));

    while (!closed_) {
        const auto now = Clock::now();
        if (now >= chaos_at) {
            co_await drop_by_chaos();
            co_return;
        }
        // Heartbeats go first so a long replay does not starve them.
        if (now >= next_heartbeat) {
            next_heartbeat = now + heartbeat;
            const std::string hb = json::serialize(json::object{{"type", "heartbeat"}, {"seq", log_.latest_seq()}});
            if (!co_await send(hb)) co_return;
            continue;
        }
        if (cursor_ < log_.first_retained_seq()) {
            // The client fell behind the retention window; it will see the gap and resubscribe.
            spdlog::warn("clinical sim: {}: events {}–{} no longer retained", peer_, cursor_,
                         log_.first_retained_seq() - 1);
            cursor_ = log_.first_retained_seq();
        }
        if (auto frame = log_.find(cursor_)) {
            if (!co_await send(*frame)) co_return;  // `frame` keeps the text alive during the write
            ++cursor_;
            continue;
        }
        wake_.expires_at(std::min(next_heartbeat, chaos_at));
        co_await wake_.async_wait(as_tuple(use_awaitable));
    }
}

asio::awaitable<void> FeedSession::drop_by_chaos() {
    const auto kind = static_cast<ChaosKind>(chaos_rng_.below(3));
    switch (kind) {
    case ChaosKind::clean_close: {
        spdlog::info("clinical sim: chaos: closing {} cleanly", peer_);
        co_await ws_.async_close(websocket::close_code::going_away, as_tuple(use_awaitable));
        break;
    }
    case ChaosKind::tcp_close:
        spdlog::info("clinical sim: chaos: dropping {} without close frame", peer_);
        break;
    case ChaosKind::mid_frame: {
        // Announce a whole frame, send part of its payload, then hang up: the client must treat
        // the half-received frame as lost, never as an event.
        auto frame = log_.find(cursor_);
        const std::string payload =
            frame ? *frame : json::serialize(json::object{{"type", "heartbeat"}, {"seq", log_.latest_seq()}});
        const std::size_t part = std::max<std::size_t>(1, payload.size() / 2);
        std::string bytes = text_frame_header(payload.size());
        bytes.append(payload, 0, part);
        spdlog::info("clinical sim: chaos: cutting {} mid-frame ({} of {} bytes)", peer_, part, payload.size());
        co_await asio::async_write(ws_.next_layer(), asio::buffer(bytes), as_tuple(use_awaitable));
        break;
    }
    }
    close_socket();
}

}  // namespace gpwatch::sim
