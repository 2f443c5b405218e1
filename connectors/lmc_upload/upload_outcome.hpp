#pragma once
// What the LMC collector's answer to one report upload means for the practice (the collector HTTP
// contract, docs/operations.md "LMC reports"):
//
//   201 stored                                   -> delivered
//   409 replayed, "digest" = sha256 of our bytes -> delivered (an earlier attempt got through)
//   5xx, 429, time-out, connection or TLS trouble -> retry later
//   anything else (400, 401, 403, 409 superseded, 413, 422...) -> refused: the same bytes would be
//                                                    refused again, so a person must look
//
// Pure: classify() turns a curl::PostResponse into an UploadOutcome, so the rules are tested
// without a network.

#include <string>
#include <string_view>

#include "connectors/curl/https_post.hpp"

namespace gpwatch::lmc_upload {

enum class UploadResult { delivered, retryable, refused };

// Why a retryable upload failed: said in logs and in the ledger's last_error.
// connection: could not connect at all; connection_lost: connected (TLS too, as far as we could
// tell) but the peer closed before answering, which is how a TLS 1.3 server refusing our client
// certificate often looks when its alert is lost in the reset.
enum class RetryCause { none, server_error, rate_limited, timeout, connection, connection_lost, tls, cancelled };

struct UploadOutcome {
    UploadResult result = UploadResult::retryable;
    RetryCause cause = RetryCause::none;  // set when result is retryable
    long http_status = 0;                 // 0 without an HTTP answer
    std::string status_word;              // the collector's "status" ("stored", "bad_signature"...), or ""
    std::string detail;                   // the collector's "detail", one line, digit runs removed
    std::string error;                    // one line for the log and last_error ("" when delivered)
};

const char* to_string(UploadResult r);
const char* to_string(RetryCause c);

// "sha256:" + lower-case hex SHA-256 of `bytes`: the collector's "digest" form.
std::string body_digest(std::string_view bytes);

// The meaning of `response` to the POST of `body_sent`.
UploadOutcome classify(const curl::PostResponse& response, std::string_view body_sent);

}  // namespace gpwatch::lmc_upload
