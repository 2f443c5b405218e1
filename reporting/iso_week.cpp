#include "reporting/iso_week.hpp"

#include <charconv>
#include <cstdio>

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>

namespace gpwatch::reporting {

namespace {

using SysSeconds = date::sys_seconds;

std::int64_t local_midnight_to_unix(date::local_days day, const date::time_zone* zone) {
    // Midnight exists on every UK day (the clocks change at 01:00 and 02:00), but choose the
    // earliest instant anyway so a zone with a midnight gap still yields a defined boundary.
    return zone->to_sys(date::local_seconds{day}, date::choose::earliest).time_since_epoch().count();
}

IsoWeek week_from(const iso_week::year_weeknum_weekday& monday, const date::time_zone* zone) {
    const date::local_days start{date::sys_days{monday}.time_since_epoch()};
    IsoWeek w;
    w.year = static_cast<int>(monday.year());
    w.week = static_cast<int>(static_cast<unsigned>(monday.weeknum()));
    w.start = local_midnight_to_unix(start, zone);
    w.end = local_midnight_to_unix(start + date::days{7}, zone);
    return w;
}

}  // namespace

std::string IsoWeek::name() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-W%02d", year, week);
    return buf;
}

IsoWeek iso_week_containing(std::int64_t unix_seconds, const date::time_zone* zone) {
    const SysSeconds t{std::chrono::seconds{unix_seconds}};
    const date::local_seconds local = zone->to_local(t);
    const auto day = date::floor<date::days>(local);
    const iso_week::year_weeknum_weekday ywd{date::sys_days{day.time_since_epoch()}};
    return week_from(iso_week::year_weeknum_weekday{ywd.year(), ywd.weeknum(), iso_week::mon},
                     zone);
}

std::optional<IsoWeek> parse_iso_week(std::string_view text, const date::time_zone* zone) {
    // Exactly "YYYY-Www": four digits, a dash, W or w, two digits.
    if (text.size() != 8 || text[4] != '-' || (text[5] != 'W' && text[5] != 'w')) return std::nullopt;
    int year = 0;
    int week = 0;
    const auto y = std::from_chars(text.data(), text.data() + 4, year);
    const auto wk = std::from_chars(text.data() + 6, text.data() + 8, week);
    if (y.ec != std::errc{} || y.ptr != text.data() + 4) return std::nullopt;
    if (wk.ec != std::errc{} || wk.ptr != text.data() + 8) return std::nullopt;
    if (year < 1970 || week < 1) return std::nullopt;
    const iso_week::year_weeknum_weekday monday{iso_week::year{year},
                                                iso_week::weeknum{static_cast<unsigned>(week)},
                                                iso_week::mon};
    if (!monday.ok()) return std::nullopt;  // week 53 of a 52-week year
    return week_from(monday, zone);
}

IsoWeek next_week(const IsoWeek& w, const date::time_zone* zone) {
    return iso_week_containing(w.end, zone);
}

IsoWeek previous_week(const IsoWeek& w, const date::time_zone* zone) {
    return iso_week_containing(w.start - 1, zone);
}

}  // namespace gpwatch::reporting
