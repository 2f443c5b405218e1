#include "daemon/settings/value_checks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gpwatch::settings_detail {

namespace {

bool is_upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// "HH:MM" -> minutes since midnight; 24:00 allowed (caller decides whether it is meaningful).
std::optional<int> parse_clock(std::string_view s) {
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
    const int h = (s[0] - '0') * 10 + (s[1] - '0');
    const int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
}

}  // namespace

bool is_ods_code(std::string_view s) {
    if (s.size() < 3 || s.size() > 6) return false;
    if (s[0] < 'A' || s[0] > 'Z') return false;
    return std::all_of(s.begin(), s.end(), is_upper_or_digit);
}

std::optional<std::string> check_ods_code(std::string_view s) {
    if (is_ods_code(s)) return std::nullopt;
    std::string msg = "'" + std::string(s) +
                      "' is not an ODS code (3 to 6 capital letters or digits starting with a letter, "
                      "e.g. C84001 or RT5)";
    std::string upper(s);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper != s && is_ods_code(upper)) msg += "; did you mean '" + upper + "'?";
    return msg;
}

std::optional<std::string> check_feed_url(std::string_view s) {
    const std::string shown = "'" + std::string(s) + "'";
    const std::string example = " (write e.g. wss://clinical-server:8443/feed)";
    if (s.starts_with("ws://"))
        return shown + " uses ws://, which is not encrypted: the feed carries patient records and a token, "
                       "so it must be wss://" + example;
    if (!s.starts_with("wss://")) return shown + " is not a wss:// address" + example;
    std::string_view rest = s.substr(6);
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return shown + " has no path after the port" + example;
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = rest.substr(slash);
    if (std::any_of(path.begin(), path.end(),
                    [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); }))
        return shown + " has spaces or control characters in its path";

    std::string_view host, port;
    if (authority.starts_with('[')) {  // [IPv6]:port
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return shown + " has an unclosed '[' in its host" + example;
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.starts_with(':')) return shown + " has no port (e.g. :8443)" + example;
        port = after.substr(1);
        if (host.empty() || !std::all_of(host.begin(), host.end(), [](unsigned char c) {
                return std::isxdigit(c) || c == ':' || c == '.';
            }))
            return shown + " has an invalid IPv6 host" + example;
    } else {
        const std::size_t colon = authority.rfind(':');
        if (colon == std::string_view::npos) return shown + " has no port (e.g. :8443)" + example;
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (host.empty()) return shown + " has no host" + example;
        if (!std::all_of(host.begin(), host.end(),
                         [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; }))
            return shown + " has an invalid host name" + example;
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535)
        return shown + " has no valid port (a number from 1 to 65535)" + example;
    return std::nullopt;
}

DayHoursParse parse_day_hours(std::string_view s) {
    const std::string text = trim(s);
    if (text == "closed") return {};
    const std::string how = " (write e.g. \"08:00-18:30\", or closed)";
    const std::size_t dash = text.find('-');
    if (dash == std::string::npos)
        return {std::nullopt, "'" + text + "' is not working hours" + how};
    const auto start = parse_clock(trim(std::string_view(text).substr(0, dash)));
    const auto end = parse_clock(trim(std::string_view(text).substr(dash + 1)));
    if (!start || !end || *start == 24 * 60)
        return {std::nullopt, "'" + text + "' is not working hours" + how};
    if (*end <= *start)
        return {std::nullopt, "'" + text + "' ends before it starts (the end must be later the same day; "
                              "use 24:00 for midnight)"};
    return {DayHours{std::chrono::minutes(*start), std::chrono::minutes(*end)}, std::nullopt};
}

std::optional<std::string> check_mail_address(std::string_view s) {
    const std::size_t at = s.find('@');
    const bool bad_chars = std::any_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isspace(c) || std::iscntrl(c) || c == '<' || c == '>' || c == ',';
    });
    if (at == std::string_view::npos || at == 0 || at + 1 >= s.size() || s.find('@', at + 1) != s.npos ||
        bad_chars)
        return "'" + std::string(s) + "' is not a mail address (write e.g. duty-gp@example-practice.nhs.net)";
    return std::nullopt;
}

bool valid_rule_category(std::string_view s) {
    return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::string default_rule_category(const ContentRule& r) {
    if (r.codesets.empty()) return "uncategorised";
    std::string out;
    for (char c : r.codesets.front()) {
        if (out.size() == 40) break;
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out += (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ? lower : '_';
    }
    return out.empty() ? "uncategorised" : out;
}

}  // namespace gpwatch::settings_detail
