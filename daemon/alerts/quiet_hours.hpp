#pragma once
// Quiet hours: outside the practice's working time a non-urgent alert waits for the next working
// period (nobody reads the duty inbox at 3 a.m., and a pile of overnight mail buries the one that
// matters); an urgent one goes at once. Uses the same working calendar as review deadlines.

#include <cstdint>

#include "daemon/review/working_calendar.hpp"
#include "proto/alert.hpp"

namespace gpwatch::alerts {

// The earliest time (unix seconds, >= now) `alert` may be sent. Without quiet hours, or for an
// urgent alert, that is now. With no working hours at all, quiet hours never hold anything back.
std::int64_t release_time(const Alert& alert, bool quiet_hours, const WorkingCalendar& calendar,
                          std::int64_t now);

}  // namespace gpwatch::alerts
