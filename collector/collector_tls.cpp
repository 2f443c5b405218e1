#include "collector/collector_tls.hpp"

#include <stdexcept>

namespace gpwatch::collector {

namespace ssl = boost::asio::ssl;

namespace {

ssl::context server_context(const std::string& cert_file, const std::string& key_file) {
    ssl::context tls(ssl::context::tls_server);
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    try {
        tls.use_certificate_chain_file(cert_file);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot use certificate " + cert_file + ": " + e.code().message());
    }
    try {
        tls.use_private_key_file(key_file, ssl::context::pem);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot use private key " + key_file + ": " + e.code().message());
    }
    return tls;
}

}  // namespace

ssl::context make_upload_tls(const UploadListener& upload) {
    ssl::context tls = server_context(upload.cert_file, upload.key_file);
    try {
        tls.load_verify_file(upload.client_ca_file);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot use client CA " + upload.client_ca_file + ": " + e.code().message());
    }
    tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    return tls;
}

ssl::context make_web_tls(const WebListener& web) { return server_context(web.cert_file, web.key_file); }

}  // namespace gpwatch::collector
