#pragma once
// The two TLS server contexts: TLS 1.2 or later, the configured certificate and key; the upload
// listener additionally demands a client certificate signed by client_ca_file (mutual TLS: no
// certificate, or one from another CA, ends the handshake).

#include <boost/asio/ssl/context.hpp>

#include "collector/collector_settings.hpp"

namespace gpwatch::collector {

// Throw std::runtime_error naming the file and OpenSSL's reason when a file cannot be used.
boost::asio::ssl::context make_upload_tls(const UploadListener& upload);
boost::asio::ssl::context make_web_tls(const WebListener& web);

}  // namespace gpwatch::collector
