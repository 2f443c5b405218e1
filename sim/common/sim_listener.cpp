#include "sim/common/sim_listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "connectors/tls/listen_socket.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

void log_exception(const std::string& who, const char* what, std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        spdlog::error("{}: {} failed: {}", who, what, x.what());
    }
}

}  // namespace

SimListener::SimListener(asio::io_context& ioc, std::string who)
    : ioc_(ioc), who_(std::move(who)), acceptor_(ioc) {}

tcp::endpoint SimListener::bind(const std::string& host, std::uint16_t port) {
    return tls::bind_acceptor(acceptor_, host, port);
}

void SimListener::start(ConnectionHandler handler) {
    handler_ = std::move(handler);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(ioc_, accept_loop(),
                   [who = who_](std::exception_ptr e) { log_exception(who, "accept loop", e); });
}

void SimListener::stop() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
}

std::string SimListener::peer_name(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    return ec ? std::string("client") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

asio::awaitable<void> SimListener::accept_loop() {
    while (!stopping_) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) co_return;
            spdlog::warn("{}: accept failed: {}", who_, ec.message());
            continue;
        }
        asio::co_spawn(ioc_, handler_(std::move(socket)),
                       [who = who_](std::exception_ptr e) { log_exception(who, "connection", e); });
    }
}

}  // namespace gpwatch::sim
