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

// A review stamped before the write it names is no review of it (a clock that lies, not a GP):
// before 1990 in any case, or, when the write's own time is trusted, more than the clock
// difference allowed above (the sender's clock may be that far ahead of the practice's) before
// it. A write whose time was not trusted has no time to compare with: its arrival is no bound,
// since a feed caught up after downtime delivers writes long after they were reviewed.
inline bool review_precedes_write(std::int64_t review_at, std::int64_t written_at, bool write_time_trusted) {
    if (review_at < kEarliestPlausibleTime) return true;
    return write_time_trusted && review_at < written_at - kMostAheadOfArrival;
}

}  // namespace gpwatch::policy
