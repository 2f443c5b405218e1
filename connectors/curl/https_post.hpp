#pragma once
// One HTTPS POST with libcurl: TLS peer and host name verified (against `ca_file` when given,
// else the system store), no redirects followed, fixed time-outs, response body capped. Used by
// the webhook and clinical-system task sinks, which decide what the outcome means for them.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace gpwatch::curl {

struct PostRequest {
    std::string url;                   // https://host[:port]/path
    std::vector<std::string> headers;  // "Name: value" lines
    std::string body;
    std::string ca_file;               // empty: the system's trust store
    std::string client_cert_file;      // PEM client certificate for mutual TLS; empty: none
    std::string client_key_file;       // its private key (PEM); empty with a certificate: in the same file
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds total_timeout{30};
    // When given and set to true (from another thread), the exchange stops within about a
    // second and the response says `cancelled`: lets a stopping daemon not wait out time-outs.
    const std::atomic<bool>* cancel = nullptr;
};

struct PostResponse {
    bool transport_ok = false;  // an HTTP response arrived (any status)
    bool timed_out = false;     // the connection or the whole exchange ran out of time
    bool tls_refused = false;   // the server's certificate (or name) did not verify
    bool tls_failed = false;    // the TLS handshake failed otherwise (e.g. our client certificate refused)
    bool cancelled = false;     // stopped through PostRequest::cancel
    int curl_code = 0;          // libcurl's CURLcode, 0 when the exchange completed
    long status = 0;            // HTTP status, 0 without a response
    std::string body;           // at most 4 KiB of the response body
    std::string error;          // libcurl's words when !transport_ok
};

// Never throws for network trouble; throws std::runtime_error only if libcurl cannot start.
PostResponse https_post(const PostRequest& request);

}  // namespace gpwatch::curl
