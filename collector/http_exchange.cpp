#include "collector/http_exchange.hpp"

#include <boost/json.hpp>

namespace gpwatch::collector {

HttpAnswer json_status(unsigned status, std::string_view word, std::string_view detail, std::string_view digest) {
    boost::json::object o{{"status", word}, {"detail", detail}};
    if (!digest.empty()) o["digest"] = digest;
    return HttpAnswer{status, "application/json", boost::json::serialize(o) + "\n", {}};
}

std::string target_path(const std::string& target) { return target.substr(0, target.find('?')); }

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::string query_param(const std::string& target, std::string_view key) {
    const auto q = target.find('?');
    if (q == std::string::npos) return {};
    std::string_view query(target);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

}  // namespace gpwatch::collector
