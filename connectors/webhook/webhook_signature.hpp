#pragma once
// The webhook signature: HMAC-SHA256 over "<timestamp>.<body>" with the shared secret, sent as
//   X-Gpwatch-Timestamp: <unix seconds>
//   X-Gpwatch-Signature: sha256=<64 lowercase hex digits>
// The receiver recomputes it over the exact bytes it received and compares in constant time;
// the timestamp inside the signed text lets it refuse replays older than a few minutes.

#include <cstdint>
#include <string>

namespace gpwatch::webhook {

// "sha256=" + lowercase hex of HMAC-SHA256(secret, std::to_string(timestamp) + "." + body).
std::string signature(const std::string& secret, std::int64_t timestamp, const std::string& body);

}  // namespace gpwatch::webhook
