#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gpwatch {

// The parts of an absolute URL gpwatch needs to open a connection: scheme://host[:port][/path].
struct Url {
    std::string scheme;  // lower case
    std::string host;    // without brackets for IPv6
    std::string port;    // explicit, or the scheme's default
    std::string target;  // path and query, "/" when empty
};

// Returns nullopt for anything that is not scheme://host[:port][/path] with a known scheme
// (wss, https) or a port that is not 1..65535.
std::optional<Url> parse_url(std::string_view text);

}  // namespace gpwatch
