#include "daemon/settings/bank_holidays.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

namespace gpwatch::settings_detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<date::sys_days> parse_iso_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != 4 && i != 7 && !is_digit(s[i])) return std::nullopt;
    const auto number = [&](std::size_t from, std::size_t n) {
        int v = 0;
        for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    const date::year_month_day ymd{date::year{number(0, 4)}, date::month{static_cast<unsigned>(number(5, 2))},
                                   date::day{static_cast<unsigned>(number(8, 2))}};
    if (!ymd.ok()) return std::nullopt;
    return date::sys_days{ymd};
}

}  // namespace

std::optional<date::sys_days> parse_iso_day(std::string_view s) { return parse_iso_date(s); }

BankHolidays parse_bank_holidays(const std::string& text, const std::string& file_name,
                                 const std::string& setting) {
    BankHolidays out;
    std::map<date::sys_days, int> first_line;
    std::istringstream in(text);
    std::string raw;
    int line_no = 0;
    while (std::getline(in, raw)) {
        ++line_no;
        std::string_view line = raw;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        std::size_t start = 0;
        while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
        if (start == line.size()) continue;  // blank or comment only
        std::size_t end = start;
        while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
        const std::string_view word = line.substr(start, end - start);
        const auto day = parse_iso_date(word);
        if (!day) {
            out.errors.push_back({file_name, line_no, static_cast<int>(start) + 1, setting,
                                  "'" + std::string(word) +
                                      "' is not a date (each line is YYYY-MM-DD and the holiday's name, "
                                      "e.g. 2026-12-25  Christmas Day)"});
            continue;
        }
        if (const auto [it, fresh] = first_line.emplace(*day, line_no); !fresh) {
            out.warnings.push_back({file_name, line_no, static_cast<int>(start) + 1, setting,
                                    std::string(word) + " is listed twice (first on line " +
                                        std::to_string(it->second) + ")"});
            continue;
        }
        out.days.push_back(*day);
    }
    std::sort(out.days.begin(), out.days.end());
    return out;
}

}  // namespace gpwatch::settings_detail
