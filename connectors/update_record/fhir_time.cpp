#include "connectors/update_record/fhir_time.hpp"

#include <charconv>

#include <date/date.h>

namespace gpwatch::update_record {
namespace {

// `n` ASCII digits at `pos`, or -1.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return -1;
    for (std::size_t i = pos; i < pos + n; ++i)
        if (s[i] < '0' || s[i] > '9') return -1;
    int v = 0;
    std::from_chars(s.data() + pos, s.data() + pos + n, v);
    return v;
}

}  // namespace

std::optional<SysSeconds> parse_fhir_datetime(std::string_view s) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    if (y < 0 || mo < 0 || d < 0) return std::nullopt;
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    const SysSeconds midnight{date::sys_days{ymd}};
    if (s.size() == 10) return midnight;

    if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
    const int h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
    // 60 is a leap second, which FHIR's instant allows.
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return std::nullopt;
    std::size_t pos = 19;
    if (s[pos] == '.') {
        const std::size_t start = ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start) return std::nullopt;
    }
    if (pos >= s.size()) return std::nullopt;  // no zone
    int offset_minutes = 0;
    if (s[pos] == 'Z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        if (pos + 6 != s.size() || s[pos + 3] != ':') return std::nullopt;
        const int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
        if (oh < 0 || oh > 14 || om < 0 || om > 59) return std::nullopt;
        offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    return midnight + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{se} -
           std::chrono::minutes{offset_minutes};
}

}  // namespace gpwatch::update_record
