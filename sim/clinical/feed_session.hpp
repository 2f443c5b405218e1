#pragma once
// FeedSession: one subscriber on wss://…/feed after the HTTP upgrade was accepted.
//
// Waits for {"type":"subscribe",…}, replays every retained event after the client's seq, then
// streams new ones as they are published, with heartbeats in between. A second coroutine reads
// the client's acks. With chaos on, the session ends itself at a random moment: a clean close, a
// TCP close without close frame, or a frame cut off in the middle. Nothing is lost by that: the
// event log keeps every event and the client resubscribes from its last durable seq.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

class ClinicalEventLog;

struct FeedSessionSettings {
    std::string practice = "C84001";
    std::chrono::duration<double> heartbeat{5.0};
    bool chaos = false;
    // Chaos drops a connection after a random life in this range.
    std::chrono::duration<double> chaos_min_life{0.3};
    std::chrono::duration<double> chaos_max_life{3.0};
};

class FeedSession : public std::enable_shared_from_this<FeedSession> {
public:
    using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
    using WsStream = boost::beast::websocket::stream<TlsStream>;

    FeedSession(WsStream ws, ClinicalEventLog& log, const FeedSessionSettings& settings, std::uint64_t chaos_seed,
                std::string peer);

    // Completes the WebSocket handshake for `upgrade`, then serves until the connection ends.
    boost::asio::awaitable<void> run(boost::beast::http::request<boost::beast::http::string_body> upgrade);

    // Server shutdown: drop the connection now.
    void abort();

private:
    enum class ChaosKind { clean_close, tcp_close, mid_frame };

    boost::asio::awaitable<bool> read_subscribe();
    boost::asio::awaitable<void> refuse(std::string message);
    boost::asio::awaitable<void> read_loop(std::shared_ptr<FeedSession> self);
    boost::asio::awaitable<void> write_loop();
    boost::asio::awaitable<bool> send(std::string_view text);
    boost::asio::awaitable<void> drop_by_chaos();
    void close_socket();

    WsStream ws_;
    ClinicalEventLog& log_;
    const FeedSessionSettings& settings_;
    SimRandom chaos_rng_;
    std::string peer_;
    boost::asio::steady_timer wake_;            // parked writer; cancelled by publish() and by the reader
    boost::asio::steady_timer subscribe_deadline_;
    std::uint64_t cursor_ = 1;                  // next seq to send
    std::uint64_t highest_ack_ = 0;
    bool closed_ = false;
};

}  // namespace gpwatch::sim
