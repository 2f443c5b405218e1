#include "mesh_request_auth.hpp"

namespace gpwatch::sim {

namespace {
constexpr auto kWindow = std::chrono::hours(2);
}

const char* to_string(MeshAuthVerdict v) {
    switch (v) {
    case MeshAuthVerdict::ok: return "ok";
    case MeshAuthVerdict::missing: return "no Authorization header";
    case MeshAuthVerdict::malformed: return "malformed NHSMESH token";
    case MeshAuthVerdict::wrong_mailbox: return "mailbox id does not match token";
    case MeshAuthVerdict::bad_hash: return "invalid authentication token";
    case MeshAuthVerdict::stale_timestamp: return "token timestamp more than 2 hours off";
    case MeshAuthVerdict::reused: return "duplicated authentication token";
    }
    return "?";
}

MeshRequestAuth::MeshRequestAuth(mesh::MeshCredentials credentials) : credentials_(std::move(credentials)) {}

MeshAuthVerdict MeshRequestAuth::check(std::string_view header, std::string_view path_mailbox,
                                       std::chrono::system_clock::time_point now) {
    if (header.empty()) return MeshAuthVerdict::missing;
    const auto parsed = mesh::parse_authorization(header);
    if (!parsed) return MeshAuthVerdict::malformed;
    if (parsed->mailbox != path_mailbox || path_mailbox != credentials_.mailbox) return MeshAuthVerdict::wrong_mailbox;
    switch (mesh::check_authorization(*parsed, credentials_, now, kWindow)) {
    case mesh::AuthCheck::ok: break;
    case mesh::AuthCheck::malformed: return MeshAuthVerdict::malformed;
    case mesh::AuthCheck::wrong_mailbox: return MeshAuthVerdict::wrong_mailbox;
    case mesh::AuthCheck::bad_hash: return MeshAuthVerdict::bad_hash;
    case mesh::AuthCheck::stale_timestamp: return MeshAuthVerdict::stale_timestamp;
    }
    while (!seen_order_.empty() && now - seen_order_.front().first > 2 * kWindow) {
        seen_.erase(seen_order_.front().second);
        seen_order_.pop_front();
    }
    std::string token(header);
    if (!seen_.insert(token).second) return MeshAuthVerdict::reused;
    seen_order_.emplace_back(now, std::move(token));
    return MeshAuthVerdict::ok;
}

}  // namespace gpwatch::sim
