#pragma once

#include <string>

#include <boost/asio/ssl/context.hpp>

namespace gpwatch::tls {

// A TLS >= 1.2 client context that trusts only `ca_file` and verifies the peer's certificate.
// Optionally presents a client certificate (mutual TLS, as MESH requires).
// Throws std::runtime_error naming the file when a file cannot be used.
boost::asio::ssl::context make_client_context(const std::string& ca_file,
                                              const std::string& client_cert_file = {},
                                              const std::string& client_key_file = {});

// Describes the last OpenSSL verification failure of a handshake error in words an admin can act on.
std::string describe_tls_error(const boost::system::error_code& ec);

}  // namespace gpwatch::tls
