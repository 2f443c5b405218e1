#pragma once
// The range of ISO weeks a page, API call or export covers: "from" and "to" as "2026-W40",
// inclusive, each defaulting sensibly, and never more than kMaxWeeks weeks (a bound on work a
// single GET can ask for).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace date { class time_zone; }

namespace gpwatch::collector {

inline constexpr std::size_t kMaxWeeks = 260;  // five years
inline constexpr std::size_t kDefaultWeeks = 12;

struct WeekRange {
    std::vector<std::string> weeks;  // every week from..to, in order
    std::string error;               // non-empty when the range was refused; says why
};

// from/to empty: `to` defaults to the last week that has ended at `now`, `from` to kDefaultWeeks
// weeks before `to` (or, with only `from` given, to the last ended week).
WeekRange week_range(const std::string& from, const std::string& to, std::int64_t now, const date::time_zone* zone);

}  // namespace gpwatch::collector
