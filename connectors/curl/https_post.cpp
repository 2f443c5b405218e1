#include "connectors/curl/https_post.hpp"

#include <memory>

#include <curl/curl.h>

#include "connectors/curl/curl_global.hpp"

namespace gpwatch::curl {

namespace {

constexpr std::size_t kMaxResponseBody = 4096;

struct EasyDeleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Keeps the first 4 KiB and swallows the rest, so a huge answer cannot grow memory.
std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* out = static_cast<std::string*>(user);
    const std::size_t n = size * count;
    if (out->size() < kMaxResponseBody) out->append(data, std::min(n, kMaxResponseBody - out->size()));
    return n;
}

bool is_tls_verification_failure(CURLcode c) {
    return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
           c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_ISSUER_ERROR || c == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

// A TLS failure other than the peer's certificate: the handshake broke off, our own certificate
// or key could not be used, or the server refused us after the handshake (TLS 1.3 sends a missing
// client certificate's alert only then, so it surfaces as a receive error on the TLS layer).
bool is_tls_failure(CURLcode c) {
    return c == CURLE_SSL_CONNECT_ERROR || c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_ENGINE_NOTFOUND ||
           c == CURLE_SSL_ENGINE_SETFAILED || c == CURLE_SSL_CIPHER || c == CURLE_SSL_ENGINE_INITFAILED ||
           c == CURLE_SSL_SHUTDOWN_FAILED || c == CURLE_SSL_CLIENTCERT;
}

int stop_if_cancelled(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel->load() ? 1 : 0;  // non-zero aborts the transfer
}

}  // namespace

PostResponse https_post(const PostRequest& request) {
    ensure_global_init();
    PostResponse response;
    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) {
        response.error = "libcurl could not create a handle";
        return response;
    }
    CURL* h = easy.get();
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const auto& line : request.headers) {
        curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
        if (!grown) {
            response.error = "out of memory building the request headers";
            return response;
        }
        (void)headers.release();
        headers.reset(grown);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");  // never plain http, never another scheme
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);             // called from worker threads
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
    if (!request.client_cert_file.empty()) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, request.client_cert_file.c_str());
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        if (!request.client_key_file.empty()) {
            curl_easy_setopt(h, CURLOPT_SSLKEY, request.client_key_file.c_str());
            curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
        }
    }
    if (request.cancel) {
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stop_if_cancelled);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel));
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

    const CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    if (rc == CURLE_OK) {
        response.transport_ok = true;
        return response;
    }
    response.curl_code = static_cast<int>(rc);
    response.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    response.tls_refused = is_tls_verification_failure(rc);
    response.tls_failed = !response.tls_refused && is_tls_failure(rc);
    response.cancelled = rc == CURLE_ABORTED_BY_CALLBACK;
    response.error = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    return response;
}

}  // namespace gpwatch::curl
