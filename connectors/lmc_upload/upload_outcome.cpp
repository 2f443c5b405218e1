#include "connectors/lmc_upload/upload_outcome.hpp"

#include <array>

#include <boost/json.hpp>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "connectors/curl/http_answer.hpp"
#include "connectors/curl/log_safe_text.hpp"

namespace gpwatch::lmc_upload {

namespace {

struct Answer {
    std::string status;
    std::string detail;
    std::string digest;
};

std::string string_field(const boost::json::object& o, const char* name) {
    const auto* v = o.if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The collector answers JSON; a proxy in between may answer HTML or nothing. Whatever came is
// kept only as one safe line (curl::one_line drops digit runs, so an echoed identifier never
// reaches the log or the ledger).
Answer read_answer(const std::string& body) {
    Answer a;
    boost::system::error_code ec;
    const auto doc = boost::json::parse(body, ec);
    if (!ec && doc.is_object()) {
        const auto& o = doc.as_object();
        a.status = curl::one_line(string_field(o, "status"));
        a.detail = curl::one_line(string_field(o, "detail"));
        a.digest = string_field(o, "digest");
    } else {
        a.detail = curl::one_line(body);
    }
    return a;
}

// TLS 1.3 servers refuse a missing or unknown client certificate after the client considers the
// handshake done, so libcurl reports it as a send/receive error whose words name the TLS alert.
bool looks_like_tls_alert(const curl::PostResponse& r) {
    if (r.curl_code != CURLE_RECV_ERROR && r.curl_code != CURLE_SEND_ERROR) return false;
    return r.error.find("SSL") != std::string::npos || r.error.find("alert") != std::string::npos;
}

UploadOutcome retry(RetryCause cause, long status, std::string error) {
    UploadOutcome o;
    o.result = UploadResult::retryable;
    o.cause = cause;
    o.http_status = status;
    o.error = std::move(error);
    return o;
}

}  // namespace

const char* to_string(UploadResult r) {
    switch (r) {
        case UploadResult::delivered: return "delivered";
        case UploadResult::retryable: return "retry";
        case UploadResult::refused: return "refused";
    }
    return "?";
}

const char* to_string(RetryCause c) {
    switch (c) {
        case RetryCause::none: return "none";
        case RetryCause::server_error: return "collector error";
        case RetryCause::rate_limited: return "collector busy";
        case RetryCause::timeout: return "timed out";
        case RetryCause::connection: return "cannot connect";
        case RetryCause::connection_lost: return "connection lost";
        case RetryCause::tls: return "TLS handshake failed";
        case RetryCause::cancelled: return "cancelled";
    }
    return "?";
}

std::string body_digest(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) return "";
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xF];
    }
    return out;
}

UploadOutcome classify(const curl::PostResponse& r, std::string_view body_sent) {
    if (!r.transport_ok) {
        const std::string words = curl::one_line(r.error);
        if (r.cancelled) return retry(RetryCause::cancelled, 0, "upload cancelled (gpwatchd stopping)");
        if (r.timed_out) return retry(RetryCause::timeout, 0, "collector timed out: " + words);
        if (r.tls_refused || r.tls_failed || looks_like_tls_alert(r))
            return retry(RetryCause::tls, 0,
                         "TLS handshake with the collector failed (check ca_file, client_cert_file, "
                         "client_key_file): " + words);
        if (r.curl_code == CURLE_SEND_ERROR || r.curl_code == CURLE_RECV_ERROR || r.curl_code == CURLE_GOT_NOTHING)
            return retry(RetryCause::connection_lost, 0,
                         "the collector closed the connection before answering (if this persists, the "
                         "collector may not accept the client certificate: check client_cert_file and "
                         "client_key_file): " + words);
        return retry(RetryCause::connection, 0, "cannot reach the collector: " + words);
    }

    const Answer answer = read_answer(r.body);
    UploadOutcome o;
    o.http_status = r.status;
    o.status_word = answer.status;
    o.detail = answer.detail;
    std::string said = "HTTP " + std::to_string(r.status);
    if (!answer.status.empty()) said += " " + answer.status;
    if (!answer.detail.empty()) said += ": " + answer.detail;

    if (r.status == 201) {
        o.result = UploadResult::delivered;
        return o;
    }
    if (r.status == 409 && answer.status == "replayed") {
        // Idempotent retry: an earlier attempt was stored but its answer never reached us. Only
        // trust it when the collector holds exactly these bytes.
        if (!answer.digest.empty() && answer.digest == body_digest(body_sent)) {
            o.result = UploadResult::delivered;
            return o;
        }
        o.result = UploadResult::refused;
        o.error = "collector refused the report: " + said + " (its digest is not that of the bytes sent)";
        return o;
    }
    // The collector failing or asking us to slow down has not refused this report; 408 is the
    // server running out of time for our request, a time-out like our own.
    if (curl::retry_worth_it(r.status)) {
        o.result = UploadResult::retryable;
        o.cause = r.status >= 500 ? RetryCause::server_error
                  : r.status == 429 ? RetryCause::rate_limited
                                    : RetryCause::timeout;
        o.error = "collector answered " + said;
        return o;
    }
    o.result = UploadResult::refused;
    o.error = "collector refused the report: " + said;
    return o;
}

}  // namespace gpwatch::lmc_upload
