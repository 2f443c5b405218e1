#include "sim/mesh/mesh_request_auth.hpp"

#include <array>
#include <ctime>

#include <openssl/crypto.h>

namespace gpwatch::sim {

namespace {
constexpr auto kWindow = std::chrono::hours(2);
}

std::optional<std::chrono::system_clock::time_point> parse_mesh_timestamp(std::string_view s) {
    if (s.size() != 12) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    std::tm utc{};
    utc.tm_year = num(0, 4) - 1900;
    utc.tm_mon = num(4, 2) - 1;
    utc.tm_mday = num(6, 2);
    utc.tm_hour = num(8, 2);
    utc.tm_min = num(10, 2);
    if (utc.tm_mon < 0 || utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 ||
        utc.tm_hour > 23 || utc.tm_min > 59)
        return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&utc));
}

std::optional<ParsedAuthorization> parse_authorization(std::string_view v) {
    constexpr std::string_view scheme = "NHSMESH ";
    if (v.substr(0, scheme.size()) != scheme) return std::nullopt;
    v.remove_prefix(scheme.size());
    std::array<std::string, 5> parts;
    std::size_t i = 0;
    for (char c : v) {
        if (c == ':') {
            if (++i == parts.size()) return std::nullopt;
        } else {
            parts[i].push_back(c);
        }
    }
    if (i != parts.size() - 1) return std::nullopt;
    for (const auto& p : parts)
        if (p.empty()) return std::nullopt;
    return ParsedAuthorization{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

AuthCheck check_authorization(const ParsedAuthorization& auth, const mesh::MeshCredentials& expected,
                              std::chrono::system_clock::time_point now,
                              std::chrono::minutes window) {
    if (auth.mailbox != expected.mailbox) return AuthCheck::wrong_mailbox;
    auto when = parse_mesh_timestamp(auth.timestamp);
    if (!when) return AuthCheck::malformed;
    std::string want = mesh::authorization_hash(expected.shared_secret, auth.mailbox, auth.nonce,
                                          auth.nonce_count, expected.password, auth.timestamp);
    // Constant-time compare: the hash is a secret-derived value.
    if (want.size() != auth.hash.size() ||
        CRYPTO_memcmp(want.data(), auth.hash.data(), want.size()) != 0)
        return AuthCheck::bad_hash;
    auto off = *when > now ? *when - now : now - *when;
    if (off > window) return AuthCheck::stale_timestamp;
    return AuthCheck::ok;
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
    const auto parsed = parse_authorization(header);
    if (!parsed) return MeshAuthVerdict::malformed;
    if (parsed->mailbox != path_mailbox || path_mailbox != credentials_.mailbox) return MeshAuthVerdict::wrong_mailbox;
    switch (check_authorization(*parsed, credentials_, now, kWindow)) {
    case AuthCheck::ok: break;
    case AuthCheck::malformed: return MeshAuthVerdict::malformed;
    case AuthCheck::wrong_mailbox: return MeshAuthVerdict::wrong_mailbox;
    case AuthCheck::bad_hash: return MeshAuthVerdict::bad_hash;
    case AuthCheck::stale_timestamp: return MeshAuthVerdict::stale_timestamp;
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
