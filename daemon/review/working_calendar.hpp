#pragma once
// WorkingCalendar: arithmetic in working time (practice hours in the practice's time zone,
// closed days excluded), so review deadlines mean what a practice means by "within 4 hours".
//
// Working hours are local wall-clock times per weekday. Each working day contributes one
// interval [local start, local end) converted to real instants through the tz database, so the
// calendar always counts real elapsed seconds: an "00:00-24:00" day is 23 hours long on the
// spring-forward Sunday and 25 hours on the autumn one. A wall-clock time that does not exist
// (inside the spring gap) maps to the instant of the change; one that happens twice (autumn)
// maps to its first occurrence for a start and to its second for an end, so no working time is
// ever lost to a clock change.
//
// Cost: one step per local day (a few tz look-ups), never per second.

#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include <date/date.h>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"

namespace date {
class time_zone;
}

namespace gpwatch {

class WorkingCalendar {
public:
    // Throws std::invalid_argument if c.time_zone is not in the tz database.
    explicit WorkingCalendar(const Calendar& c);

    // The instant at which `amount` of working time has elapsed after `start`; `start` may lie
    // outside working time (the count then begins at the next working start).
    // amount <= 0 returns `start` unchanged. Returns SysSeconds::max() ("never") when there are no
    // working hours at all, or when the answer lies beyond the year 9999.
    SysSeconds add_working_time(SysSeconds start, std::chrono::seconds amount) const;

    // Working time inside [from, to); 0 if to <= from.
    std::chrono::seconds working_time_between(SysSeconds from, SysSeconds to) const;

    bool is_working(SysSeconds t) const;

    // `t` itself if it is working time, else the start of the next working interval.
    // nullopt if there are no working hours at all (or none before the year 9999).
    std::optional<SysSeconds> next_working_start(SysSeconds t) const;

    bool has_working_hours() const { return has_hours_; }

private:
    struct Interval {
        SysSeconds begin;
        SysSeconds end;  // begin <= end; empty on closed days
    };
    // The working intervals of one local date, in order: one, fewer on a closed day, more when a
    // closure (a training afternoon) cuts the day. At most kMaxPieces; a day cut into more
    // pieces keeps its first kMaxPieces - 1 and closes the rest (conservative: a shorter day).
    static constexpr std::size_t kMaxPieces = 6;
    struct DayIntervals {
        std::array<Interval, kMaxPieces> pieces{};
        std::size_t count = 0;
    };
    DayIntervals intervals_of(date::local_days day) const;
    // The local date that instant t falls on (clamped to the supported range).
    date::local_days local_day_of(SysSeconds t) const;
    bool is_closed_day(date::local_days day) const;

    const date::time_zone* zone_ = nullptr;
    WorkingHours hours_;
    std::vector<date::sys_days> closed_days_;  // sorted, unique; calendar dates, not instants
    std::vector<Closure> closures_;            // sorted by day
    bool has_hours_ = false;
};

}  // namespace gpwatch
