#pragma once
// The listening side's socket setup, shared by every TLS listener (the collector's HttpsServer,
// the simulators' SimListener): each then runs its own accept loop and handshakes.

#include <cstdint>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace gpwatch::tls {

// Opens `acceptor` and binds it to host:port, synchronously so the caller learns the real port
// and a port in use fails before anything starts. `host` is an IP address or a name (its first
// address is used). SO_REUSEADDR lets a restarted listener take its port back at once. Returns
// the bound endpoint (port 0 becomes the port the system chose); does not listen yet. Throws
// boost::system::system_error when the address cannot be used.
boost::asio::ip::tcp::endpoint bind_acceptor(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                                             std::uint16_t port);

}  // namespace gpwatch::tls
