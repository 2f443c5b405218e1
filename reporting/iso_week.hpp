#pragma once
// ISO 8601 weeks in the practice's time zone: the period LMC reports count over. A week runs
// from Monday 00:00 local time to the next Monday 00:00, so a week holding a clock change is
// 167 or 169 hours long. Named "2026-W47"; week 1 is the week holding the year's first Thursday.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date { class time_zone; }

namespace gpwatch::reporting {

struct IsoWeek {
    int year = 0;   // the ISO week-numbering year (may differ from the calendar year at its edges)
    int week = 0;   // 1..53
    std::int64_t start = 0;  // unix seconds of Monday 00:00 local
    std::int64_t end = 0;    // unix seconds of the next Monday 00:00 local (exclusive)

    std::string name() const;  // "2026-W47"
    friend bool operator==(const IsoWeek&, const IsoWeek&) = default;
};

// The week holding the instant `unix_seconds`, in time zone `zone`.
IsoWeek iso_week_containing(std::int64_t unix_seconds, const date::time_zone* zone);

// Parses "2026-W47" (also "2026-w47"); nullopt when malformed or when the year has no such week.
std::optional<IsoWeek> parse_iso_week(std::string_view text, const date::time_zone* zone);

// The week after / before `w`.
IsoWeek next_week(const IsoWeek& w, const date::time_zone* zone);
IsoWeek previous_week(const IsoWeek& w, const date::time_zone* zone);

}  // namespace gpwatch::reporting
