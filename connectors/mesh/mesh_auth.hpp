#pragma once
// The NHSMESH Authorization header (docs/protocols.md, "Authorization"): one fresh token per request,
// HMAC-SHA256 over the mailbox, nonce, nonce count, password and timestamp, keyed with the
// environment's shared secret. This is the client's side; the MESH simulator checks tokens with
// the same authorization_hash() (sim/mesh/mesh_request_auth.hpp), so the two cannot drift.

#include <chrono>
#include <cstdint>
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

}  // namespace gpwatch::mesh
