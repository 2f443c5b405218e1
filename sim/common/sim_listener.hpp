#pragma once
// SimListener: the listening socket and accept loop shared by the simulators' servers
// (ClinicalSimServer, MeshSimServer). Each server owns one and hands it a coroutine to run per
// accepted connection; the servers keep only their own TLS and HTTP handling.

#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace gpwatch::sim {

class SimListener {
public:
    using ConnectionHandler = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

    // who: the log prefix, e.g. "mesh sim".
    SimListener(boost::asio::io_context& ioc, std::string who);

    // Binds (synchronously, so the caller learns the real port, and a port in use fails before
    // anything is written). `host` is an IP address or a name to resolve. Throws
    // boost::system::system_error when the address cannot be used.
    boost::asio::ip::tcp::endpoint bind(const std::string& host, std::uint16_t port);

    // Listens and starts accepting, running `handler` for each connection; returns at once.
    // A handler that throws is logged, not fatal.
    void start(ConnectionHandler handler);

    // Stops accepting; connections already handed over are the server's to end.
    void stop();
    bool stopping() const { return stopping_; }

    // "address:port" of the socket's peer, or "client" when it is gone already; for log lines.
    static std::string peer_name(const boost::asio::ip::tcp::socket& socket);

private:
    boost::asio::awaitable<void> accept_loop();

    boost::asio::io_context& ioc_;
    std::string who_;
    boost::asio::ip::tcp::acceptor acceptor_;
    ConnectionHandler handler_;
    bool stopping_ = false;
};

}  // namespace gpwatch::sim
