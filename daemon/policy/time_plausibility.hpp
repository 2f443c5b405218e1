#pragma once
// Times are checked before they are trusted. A write's time comes from the system that sent it:
// a clock set wrong, or a sender that stamps nonsense (year 2099, 0001, 1970), would otherwise set
// its review deadline (73 years away, or long past and never alerted) and the LMC week it counts
// in. A time more than an hour ahead of the write's arrival, or before 1990 (before any GP
// record system that feeds gpwatch), cannot be a real write's: its arrival counts instead.
// Pure: the caller gives both times.

#include <cstdint>

namespace gpwatch::policy {

inline constexpr std::int64_t kMostAheadOfArrival = 60 * 60;  // an hour of clock difference
inline constexpr std::int64_t kEarliestPlausibleTime = 631'152'000;  // 1990-01-01T00:00:00Z

enum class TimeDoubt { none, ahead_of_arrival, before_1990 };

inline TimeDoubt doubt_about(std::int64_t claimed, std::int64_t arrived) {
    if (claimed < kEarliestPlausibleTime) return TimeDoubt::before_1990;
    if (claimed > arrived + kMostAheadOfArrival) return TimeDoubt::ahead_of_arrival;
    return TimeDoubt::none;
}

}  // namespace gpwatch::policy
