#pragma once
// The NHSMESH Authorization header (FEEDS.md, "Authorization"): one fresh token per request,
// HMAC-SHA256 over the mailbox, nonce, nonce count, password and timestamp, keyed with the
// environment's shared secret. Both sides live here so the client and the simulator cannot drift.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpwatch::mesh {

struct MeshCredentials {
    std::string mailbox;        // e.g. C84001OT001
    std::string password;       // the mailbox password
    std::string shared_secret;  // the environment's shared secret (HMAC key)
};

// yyyyMMddHHmm in UTC, as the header carries it.
std::string format_mesh_timestamp(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_mesh_timestamp(std::string_view s);

// Lowercase hex HMAC-SHA256(key = shared secret,
//                          msg = "<mailbox>:<nonce>:<nonce_count>:<password>:<timestamp>").
std::string authorization_hash(std::string_view shared_secret, std::string_view mailbox,
                               std::string_view nonce, std::string_view nonce_count,
                               std::string_view password, std::string_view timestamp);

// A random version-4 UUID, the nonce of one request.
std::string random_nonce();

// The whole header value: "NHSMESH <mailbox>:<nonce>:<nonce_count>:<timestamp>:<hash>".
std::string make_authorization(const MeshCredentials& credentials, std::string_view nonce,
                               std::uint64_t nonce_count, std::chrono::system_clock::time_point now);

// A fresh header for one request (random nonce, count 1, the current time).
std::string fresh_authorization(const MeshCredentials& credentials);

// The server's view of a header. parse_authorization() only splits it; check_authorization()
// decides whether it is acceptable.
struct ParsedAuthorization {
    std::string mailbox;
    std::string nonce;
    std::string nonce_count;
    std::string timestamp;
    std::string hash;
};
std::optional<ParsedAuthorization> parse_authorization(std::string_view header_value);

enum class AuthCheck { ok, malformed, wrong_mailbox, bad_hash, stale_timestamp };

// Checks a parsed header against the mailbox it claims and the clock: the hash must match and the
// timestamp must be within `window` (2 hours in MESH) of `now`. Reuse is the caller's concern
// (it must remember tokens it has seen).
AuthCheck check_authorization(const ParsedAuthorization& auth, const MeshCredentials& expected,
                              std::chrono::system_clock::time_point now,
                              std::chrono::minutes window = std::chrono::hours(2));

const char* to_string(AuthCheck c);

}  // namespace gpwatch::mesh
