#pragma once
// MeshRequestAuth: the server side of the NHSMESH Authorization header. The hash and clock checks
// are mesh_auth's; this adds what only a server can do: the mailbox in the URL must be the one
// the token is for, and a token is good for one request only (MESH answers a reused one 403).

#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "connectors/mesh/mesh_auth.hpp"

namespace gpwatch::sim {

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
