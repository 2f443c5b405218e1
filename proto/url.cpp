#include "proto/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gpwatch {

std::optional<Url> parse_url(std::string_view text) {
    Url u;
    auto sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0) return std::nullopt;
    u.scheme = std::string(text.substr(0, sep));
    std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string default_port;
    if (u.scheme == "wss" || u.scheme == "https") default_port = "443";
    else return std::nullopt;

    auto rest = text.substr(sep + 3);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

    std::string_view port;
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        u.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
    } else {
        auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty()) return std::nullopt;
    if (port.empty()) {
        u.port = default_port;
    } else {
        unsigned n = 0;
        auto r = std::from_chars(port.data(), port.data() + port.size(), n);
        if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || n == 0 || n > 65535)
            return std::nullopt;
        u.port = std::string(port);
    }
    return u;
}

}  // namespace gpwatch
