#include "connectors/tls/listen_socket.hpp"

#include <boost/asio/ip/address.hpp>

namespace gpwatch::tls {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tcp::endpoint bind_acceptor(tcp::acceptor& acceptor, const std::string& host, std::uint16_t port) {
    tcp::endpoint endpoint;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(address, port);
    } else {
        tcp::resolver resolver(acceptor.get_executor());
        endpoint = *resolver.resolve(host, std::to_string(port)).begin();
    }
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    return acceptor.local_endpoint();
}

}  // namespace gpwatch::tls
