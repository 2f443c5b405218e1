#include "tests/support/scripted_feed_server.hpp"

#include <exception>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

namespace gpwatch::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

auto with(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Records an exception escaping a coroutine instead of letting it tear down the test.
auto recorder(std::vector<std::string>& errors) {
    return [&errors](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            errors.push_back(ex.what());
        } catch (...) {
            errors.push_back("unknown exception");
        }
    };
}

}  // namespace

FeedPeer::FeedPeer(tcp::socket socket, asio::ssl::context& tls, int index)
    : ws_(std::move(socket), tls), index_(index) {}

asio::awaitable<bool> FeedPeer::send(std::string text) {
    if (!open_) co_return false;
    error_code ec;
    ws_.text(true);
    co_await ws_.async_write(asio::buffer(text), with(ec));
    co_return !ec;
}

asio::awaitable<void> FeedPeer::close() {
    if (!open_) co_return;
    error_code ec;
    co_await ws_.async_close(websocket::close_code::normal, with(ec));
}

void FeedPeer::drop() {
    error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
    open_ = false;
}

asio::awaitable<void> FeedPeer::sleep(std::chrono::milliseconds d) {
    asio::steady_timer timer(ws_.get_executor(), d);
    error_code ec;
    co_await timer.async_wait(with(ec));
}

ScriptedFeedServer::ScriptedFeedServer(asio::io_context& ioc, const std::string& cert_pem,
                                       const std::string& key_pem, std::string token,
                                       const std::string& bind_address)
    : ioc_(ioc),
      tls_(asio::ssl::context::tls_server),
      token_(std::move(token)),
      acceptor_(ioc),
      host_(bind_address) {
    tls_.use_certificate_chain(asio::buffer(cert_pem));
    tls_.use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
    tcp::endpoint ep(asio::ip::make_address(bind_address), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), recorder(errors));
}

ScriptedFeedServer::~ScriptedFeedServer() { stop(); }

std::string ScriptedFeedServer::url() const {
    return "wss://" + host_ + ":" + std::to_string(port_) + "/feed";
}

void ScriptedFeedServer::stop() {
    error_code ec;
    acceptor_.close(ec);
    for (auto& weak : peers_)
        if (auto peer = weak.lock()) peer->drop();
    peers_.clear();
}

std::vector<std::uint64_t> ScriptedFeedServer::acks(int connection) const {
    std::vector<std::uint64_t> out;
    for (const auto& m : messages) {
        if (connection >= 0 && m.connection != connection) continue;
        error_code ec;
        auto v = json::parse(m.text, ec);
        if (ec || !v.is_object()) continue;
        const auto& o = v.get_object();
        auto type = o.if_contains("type");
        auto seq = o.if_contains("seq");
        if (type && type->is_string() && type->get_string() == "ack" && seq && seq->is_number())
            out.push_back(seq->to_number<std::uint64_t>());
    }
    return out;
}

asio::awaitable<void> ScriptedFeedServer::accept_loop() {
    for (;;) {
        error_code ec;
        tcp::socket socket = co_await acceptor_.async_accept(with(ec));
        if (ec) co_return;  // stopped
        auto peer = std::make_shared<FeedPeer>(std::move(socket), tls_, tcp_accepts);
        ++tcp_accepts;
        accept_times.push_back(Clock::now());
        peers_.push_back(peer);
        asio::co_spawn(ioc_, serve(peer), recorder(errors));
    }
}

asio::awaitable<void> ScriptedFeedServer::serve(std::shared_ptr<FeedPeer> peer) {
    auto& ws = peer->ws_;
    auto& tcp_layer = beast::get_lowest_layer(ws);
    error_code ec;

    tcp_layer.expires_after(std::chrono::seconds(5));
    co_await ws.next_layer().async_handshake(asio::ssl::stream_base::server, with(ec));
    if (ec) {
        ++tls_failures;
        co_return;
    }

    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(ws.next_layer(), buffer, req, with(ec));
    if (ec) co_return;
    upgrades.push_back({peer->index(), std::string(req.target()),
                        std::string(req[http::field::authorization])});
    if (req[http::field::authorization] != "Bearer " + token_) {
        ++rejected_upgrades;
        http::response<http::string_body> res{http::status::unauthorized, req.version()};
        res.set(http::field::www_authenticate, "Bearer");
        res.keep_alive(false);
        res.body() = "unknown bearer token";
        res.prepare_payload();
        co_await http::async_write(ws.next_layer(), res, with(ec));
        peer->drop();
        co_return;
    }

    tcp_layer.expires_never();
    ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(5), websocket::stream_base::none(),
                                                  false});
    ws.read_message_max(0);
    co_await ws.async_accept(req, with(ec));
    if (ec) co_return;
    peer->open_ = true;
    ++connections;
    ++open_connections;

    bool subscribed = false;
    for (;;) {
        beast::flat_buffer msg;
        co_await ws.async_read(msg, with(ec));
        if (ec) break;
        on_text(peer, beast::buffers_to_string(msg.data()), subscribed);
    }
    peer->open_ = false;
    --open_connections;
}

void ScriptedFeedServer::on_text(const std::shared_ptr<FeedPeer>& peer, std::string text,
                                 bool& subscribed) {
    messages.push_back({peer->index(), text});
    error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    auto type = o.if_contains("type");
    if (subscribed || !type || !type->is_string() || type->get_string() != "subscribe") return;
    subscribed = true;
    std::uint64_t after = 0;
    if (auto a = o.if_contains("after"); a && a->is_number()) after = a->to_number<std::uint64_t>();
    std::string practice;
    if (auto p = o.if_contains("practice"); p && p->is_string()) practice = std::string(p->get_string());
    subscribes.push_back({peer->index(), after, practice, Clock::now()});
    if (!script_) return;
    asio::co_spawn(
        ioc_,
        [script = script_, peer, after]() -> asio::awaitable<void> { co_await script(peer, after); },
        recorder(errors));
}

std::string entry_event(std::uint64_t seq, const std::string& entry_id, const std::string& padding) {
    std::string s = R"({"type":"event","seq":)" + std::to_string(seq) +
                    R"(,"time":"2026-05-11T10:42:07+01:00","practice":"C84001","event":"entry.created",)"
                    R"("entry":{"id":")" + entry_id + R"(","patient":{"nhs_number":"9434765919"},)"
                    R"("author":{"ods":"RT5","name":"Leicestershire Partnership NHS Trust",)"
                    R"("org_type":"mental-health-trust","user_role":"R8000","user_id":"u-5521"},)"
                    R"("route":"shared-record",)"
                    R"("resource":{"resourceType":"Observation","status":"final",)"
                    R"("code":{"coding":[{"system":"http://snomed.info/sct","code":"225368008",)"
                    R"("display":"Seen by community mental health team"}]},)"
                    R"("effectiveDateTime":"2026-05-11T10:30:00+01:00"})";
    if (!padding.empty()) s += R"(,"note":")" + padding + "\"";
    s += "}}";
    return s;
}

std::string entry_event_without_author(std::uint64_t seq, const std::string& entry_id) {
    return R"({"type":"event","seq":)" + std::to_string(seq) +
           R"(,"time":"2026-05-11T10:42:07+01:00","practice":"C84001","event":"entry.created",)"
           R"("entry":{"id":")" + entry_id + R"(","patient":{"nhs_number":"9434765919"},)"
           R"("route":"shared-record","resource":{"resourceType":"Observation","status":"final"}}})";
}

std::string heartbeat(std::uint64_t latest) {
    return R"({"type":"heartbeat","seq":)" + std::to_string(latest) + "}";
}

}  // namespace gpwatch::test
