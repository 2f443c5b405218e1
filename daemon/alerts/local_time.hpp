#pragma once
// Times as the practice reads them: in its own time zone (calendar.time_zone), e.g.
// "Wed 02 Dec 2026 18:12 GMT". Every time in an alert's words goes through here.

#include <cstdint>
#include <string>

namespace gpwatch::alerts {

// "unknown" for 0 or less; falls back to UTC (saying so) if the zone is unknown. Without
// `with_zone` the abbreviation is left off (for text that names the zone once itself).
std::string local_time_words(const std::string& time_zone, std::int64_t unix_seconds, bool with_zone = true);

// Any time at all, as a feed claimed it, in UTC: "2099-05-03 10:00 UTC", "0001-01-01 00:00 UTC",
// "1970-01-01 00:00 UTC" (never "unknown": what a feed said is shown as it said it).
std::string claimed_time_words(std::int64_t unix_seconds);

}  // namespace gpwatch::alerts
