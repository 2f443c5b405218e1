#pragma once
// The server side of the NHSMESH Authorization header: splitting and checking a token (hash with
// the client's own authorization_hash(), clock window), and MeshRequestAuth, which adds what only
// a server can do: the mailbox in the URL must be the one the token is for, and a token is good
// for one request only (MESH answers a reused one 403). Only the simulator checks tokens, so this
// lives here rather than in the shipped connectors/mesh.

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "connectors/mesh/mesh_auth.hpp"

namespace gpwatch::sim {

// yyyyMMddHHmm in UTC, as the header carries it (mesh::format_mesh_timestamp() writes it).
std::optional<std::chrono::system_clock::time_point> parse_mesh_timestamp(std::string_view s);

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
AuthCheck check_authorization(const ParsedAuthorization& auth, const mesh::MeshCredentials& expected,
                              std::chrono::system_clock::time_point now,
                              std::chrono::minutes window = std::chrono::hours(2));

enum class MeshAuthVerdict { ok, missing, malformed, wrong_mailbox, bad_hash, stale_timestamp, reused };

const char* to_string(MeshAuthVerdict v);

class MeshRequestAuth {
public:
    explicit MeshRequestAuth(mesh::MeshCredentials credentials);

    // `header` is the Authorization header value ("" when absent); `path_mailbox` the mailbox
    // the request's URL names. A token is remembered only once it was accepted.
    MeshAuthVerdict check(std::string_view header, std::string_view path_mailbox,
                          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

    std::size_t remembered() const { return seen_.size(); }

private:
    mesh::MeshCredentials credentials_;
    // Tokens seen, with when. One older than twice the timestamp window can be forgotten: its
    // timestamp would now be rejected as stale anyway.
    std::deque<std::pair<std::chrono::system_clock::time_point, std::string>> seen_order_;
    std::unordered_set<std::string> seen_;
};

}  // namespace gpwatch::sim
