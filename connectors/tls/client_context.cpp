#include "connectors/tls/client_context.hpp"

#include <stdexcept>

#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/x509.h>

namespace gpwatch::tls {

namespace ssl = boost::asio::ssl;

ssl::context make_client_context(const std::string& ca_file, const std::string& client_cert_file,
                                 const std::string& client_key_file) {
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    ctx.load_verify_file(ca_file, ec);
    if (ec)
        throw std::runtime_error("cannot load CA file " + ca_file + ": " + ec.message());
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    if (!client_cert_file.empty()) {
        ctx.use_certificate_chain_file(client_cert_file, ec);
        if (ec)
            throw std::runtime_error("cannot load client certificate " + client_cert_file + ": " +
                                     ec.message());
        ctx.use_private_key_file(client_key_file, ssl::context::pem, ec);
        if (ec)
            throw std::runtime_error("cannot load client key " + client_key_file + ": " +
                                     ec.message());
    }
    return ctx;
}

std::string describe_tls_error(const boost::system::error_code& ec) {
    if (ec.category() != boost::asio::error::get_ssl_category()) return ec.message();
    auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
        return "the server's certificate is not trusted by the configured CA file (or its name "
               "does not match the URL's host): " + ec.message();
    return ec.message();
}

}  // namespace gpwatch::tls
