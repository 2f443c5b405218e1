#pragma once
// ScriptedFeedServer: a tiny in-process wss server playing the clinical system's feed (docs/protocols.md
// section 2) for tests of ClinicalFeedClient. Each test scripts what happens after a subscribe;
// the server records everything the client did (TCP connects, TLS failures, upgrade requests,
// every text message) so the test can assert on it. Runs on the caller's io_context.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace gpwatch::test {

using Clock = std::chrono::steady_clock;

// One accepted connection, as the script sees it.
class FeedPeer {
public:
    FeedPeer(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, int index);

    int index() const { return index_; }  // 0 for the first connection the server accepted
    bool open() const { return open_; }

    // Sends one text frame; false when the connection is gone.
    boost::asio::awaitable<bool> send(std::string text);
    // Closes with a WebSocket close frame (code 1000).
    boost::asio::awaitable<void> close();
    // Drops the TCP connection without a goodbye.
    void drop();
    boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);

private:
    friend class ScriptedFeedServer;
    boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>> ws_;
    int index_;
    bool open_ = false;
};

class ScriptedFeedServer {
public:
    // Runs once per connection, after the client's subscribe, with the `after` it asked for.
    // When it returns the connection stays open (the server keeps reading) until either side ends it.
    using Script = std::function<boost::asio::awaitable<void>(std::shared_ptr<FeedPeer>, std::uint64_t after)>;

    struct Upgrade {
        int connection;
        std::string target;
        std::string authorization;
    };
    struct Subscribe {
        int connection;
        std::uint64_t after;
        std::string practice;
        Clock::time_point at;
    };
    struct Message {  // a text message the client sent
        int connection;
        std::string text;
    };

    // Listens on bind_address:0. Throws when the address cannot be bound.
    ScriptedFeedServer(boost::asio::io_context& ioc, const std::string& cert_pem,
                       const std::string& key_pem, std::string token,
                       const std::string& bind_address = "127.0.0.1");
    ~ScriptedFeedServer();
    ScriptedFeedServer(const ScriptedFeedServer&) = delete;
    ScriptedFeedServer& operator=(const ScriptedFeedServer&) = delete;

    void set_script(Script script) { script_ = std::move(script); }
    unsigned short port() const { return port_; }
    std::string url() const;
    // Stops accepting and drops every connection; the caller then drains the io_context.
    void stop();

    // What the client did.
    int tcp_accepts = 0;            // TCP connections accepted
    int tls_failures = 0;           // TLS handshakes that failed (e.g. the client refused the cert)
    int rejected_upgrades = 0;      // upgrades answered 401
    int connections = 0;            // WebSocket sessions opened
    int open_connections = 0;       // ... and still open
    std::vector<Clock::time_point> accept_times;  // one per TCP accept
    std::vector<Upgrade> upgrades;
    std::vector<Subscribe> subscribes;
    std::vector<Message> messages;
    std::vector<std::string> errors;  // exceptions escaping the server's or a script's coroutines

    // The seq of every {"type":"ack"} received, in order (optionally on one connection only).
    std::vector<std::uint64_t> acks(int connection = -1) const;

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(std::shared_ptr<FeedPeer> peer);
    void on_text(const std::shared_ptr<FeedPeer>& peer, std::string text, bool& subscribed);

    boost::asio::io_context& ioc_;
    boost::asio::ssl::context tls_;
    std::string token_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::string host_;
    Script script_;
    std::vector<std::weak_ptr<FeedPeer>> peers_;
};

// A well-formed entry.created event for practice C84001 with the given seq and entry id;
// `padding` (if any) is added as an extra entry field to make the frame bigger.
std::string entry_event(std::uint64_t seq, const std::string& entry_id, const std::string& padding = {});
// The same event without its "author": a contract violation with a readable seq.
std::string entry_event_without_author(std::uint64_t seq, const std::string& entry_id);
std::string heartbeat(std::uint64_t latest);

}  // namespace gpwatch::test
