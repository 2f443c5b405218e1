// WorkingCalendar: deadlines in working time, checked against instants written out in UTC.
#include "daemon/review/working_calendar.hpp"

#include <stdexcept>

#include <date/tz.h>
#include <gtest/gtest.h>

namespace gpwatch {
namespace {

using namespace std::chrono_literals;
using date::days;
using date::sys_days;
using date::year;

// An instant written in UTC.
SysSeconds utc(int y, unsigned m, unsigned d, std::chrono::minutes hm) {
    return SysSeconds{sys_days{year{y} / m / d}} + hm;
}

// An instant written as Europe/London wall-clock time (unambiguous times only).
SysSeconds london(int y, unsigned m, unsigned d, std::chrono::minutes hm) {
    return date::make_zoned("Europe/London", date::local_days{year{y} / m / d} + hm).get_sys_time();
}

std::vector<sys_days> bank_holidays_2026_27() {
    return {sys_days{year{2026} / 5 / 4},  sys_days{year{2026} / 5 / 25}, sys_days{year{2026} / 8 / 31},
            sys_days{year{2026} / 12 / 25}, sys_days{year{2026} / 12 / 28}, sys_days{year{2027} / 1 / 1}};
}

Calendar default_calendar() {
    Calendar c;  // Europe/London, Monday to Friday 08:00-18:30
    c.closed_days = bank_holidays_2026_27();
    return c;
}

Calendar round_the_clock() {
    Calendar c;
    for (auto& d : c.hours.days) d = DayHours{0h, 24h};
    return c;
}

TEST(WorkingCalendar, TestHelpersAgreeWithTheClockChanges) {
    EXPECT_EQ(london(2026, 6, 5, 17h), utc(2026, 6, 5, 16h));   // BST
    EXPECT_EQ(london(2026, 12, 1, 17h), utc(2026, 12, 1, 17h)); // GMT
}

TEST(WorkingCalendar, FridayAfternoonPlusFourHoursIsMondayMorning) {
    const WorkingCalendar cal(default_calendar());
    // Fri 2026-06-05 17:00 BST: 1h30 left on Friday, 2h30 on Monday from 08:00 -> 10:30 BST.
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 5, 17h), 4h), utc(2026, 6, 8, 9h + 30min));
}

TEST(WorkingCalendar, SkipsBankHolidayMonday) {
    const WorkingCalendar cal(default_calendar());
    // Fri 2026-05-22 17:00 BST + 4h: Mon 25 May is the spring bank holiday -> Tue 26 10:30 BST.
    EXPECT_EQ(cal.add_working_time(london(2026, 5, 22, 17h), 4h), utc(2026, 5, 26, 9h + 30min));
    // Without the holiday it would have been Monday.
    Calendar no_holidays;
    EXPECT_EQ(WorkingCalendar(no_holidays).add_working_time(london(2026, 5, 22, 17h), 4h),
              utc(2026, 5, 25, 9h + 30min));
}

TEST(WorkingCalendar, AcrossChristmasAndNewYear2026) {
    const WorkingCalendar cal(default_calendar());
    // Thu 24 Dec 17:00 GMT + 21h: 1h30 Thu; Fri 25 closed; weekend; Mon 28 (substitute Boxing Day)
    // closed; Tue 29 10h30 (12h); Wed 30 08:00 + 9h = 17:00 GMT.
    EXPECT_EQ(cal.add_working_time(utc(2026, 12, 24, 17h), 21h), utc(2026, 12, 30, 17h));
    // Thu 31 Dec 12:00 + 21h: 6h30 Thu; Fri 1 Jan closed; weekend; Mon 4 Jan 10h30 (17h); Tue 5 +4h.
    EXPECT_EQ(cal.add_working_time(utc(2026, 12, 31, 12h), 21h), utc(2027, 1, 5, 12h));
    EXPECT_EQ(cal.working_time_between(utc(2026, 12, 24, 0h), utc(2027, 1, 5, 0h)),
              5 * (10h + 30min));  // Thu 24, Tue 29, Wed 30, Thu 31, Mon 4 Jan
}

TEST(WorkingCalendar, SpringForward2026WithDefaultHours) {
    const WorkingCalendar cal(default_calendar());
    // Fri 27 Mar 17:00 GMT (= UTC) + 4h -> Mon 30 Mar 10:30 BST = 09:30 UTC.
    EXPECT_EQ(cal.add_working_time(utc(2026, 3, 27, 17h), 4h), utc(2026, 3, 30, 9h + 30min));
    EXPECT_EQ(cal.working_time_between(utc(2026, 3, 27, 17h), utc(2026, 3, 30, 9h + 30min)), 4h);
    // Monday starts at 08:00 BST = 07:00 UTC.
    EXPECT_FALSE(cal.is_working(utc(2026, 3, 30, 6h + 59min)));
    EXPECT_TRUE(cal.is_working(utc(2026, 3, 30, 7h)));
    EXPECT_EQ(cal.next_working_start(utc(2026, 3, 28, 12h)), utc(2026, 3, 30, 7h));
}

TEST(WorkingCalendar, FallBack2026WithDefaultHours) {
    const WorkingCalendar cal(default_calendar());
    // Fri 23 Oct 17:00 BST (16:00 UTC) + 4h -> Mon 26 Oct 10:30 GMT = 10:30 UTC.
    EXPECT_EQ(cal.add_working_time(utc(2026, 10, 23, 16h), 4h), utc(2026, 10, 26, 10h + 30min));
    EXPECT_EQ(cal.next_working_start(utc(2026, 10, 24, 12h)), utc(2026, 10, 26, 8h));
}

TEST(WorkingCalendar, SpringForward2026RoundTheClockCountsRealSeconds) {
    const WorkingCalendar cal(round_the_clock());
    // Sunday 29 March 2026 is 23 real hours long: 00:00 GMT to 00:00 BST (= 23:00 UTC).
    EXPECT_EQ(cal.working_time_between(utc(2026, 3, 29, 0h), utc(2026, 3, 29, 23h)), 23h);
    // Open around the clock, working time is elapsed time: Sat 12:00 UTC + 48h = Mon 12:00 UTC.
    EXPECT_EQ(cal.add_working_time(utc(2026, 3, 28, 12h), 48h), utc(2026, 3, 30, 12h));
    EXPECT_EQ(cal.add_working_time(utc(2026, 3, 29, 0h + 30min), 1h), utc(2026, 3, 29, 1h + 30min));
    EXPECT_TRUE(cal.is_working(utc(2026, 3, 29, 1h)));  // the missing local hour is no gap in time
}

TEST(WorkingCalendar, FallBack2026RoundTheClockCountsRealSeconds) {
    const WorkingCalendar cal(round_the_clock());
    // Sunday 25 October 2026 is 25 real hours: 00:00 BST (24 Oct 23:00 UTC) to 00:00 GMT.
    EXPECT_EQ(cal.working_time_between(utc(2026, 10, 24, 23h), utc(2026, 10, 26, 0h)), 25h);
    EXPECT_EQ(cal.add_working_time(utc(2026, 10, 24, 12h), 48h), utc(2026, 10, 26, 12h));
    EXPECT_EQ(cal.add_working_time(utc(2026, 10, 25, 0h + 30min), 1h), utc(2026, 10, 25, 1h + 30min));
}

TEST(WorkingCalendar, OnlySundaysRoundTheClockAcrossBothChanges) {
    Calendar c;
    c.hours = WorkingHours{};
    c.hours.days[6] = DayHours{0h, 24h};  // Sunday only
    const WorkingCalendar cal(c);
    const auto spring_sunday = utc(2026, 3, 29, 0h);  // local midnight, GMT
    EXPECT_EQ(cal.add_working_time(spring_sunday, 23h), utc(2026, 3, 29, 23h));  // the whole (short) day
    EXPECT_EQ(cal.add_working_time(spring_sunday, 24h), utc(2026, 4, 5, 0h));    // + 1h next Sunday (BST)
    const auto autumn_sunday = utc(2026, 10, 24, 23h);  // local midnight, BST
    EXPECT_EQ(cal.add_working_time(autumn_sunday, 24h), utc(2026, 10, 25, 23h));
    EXPECT_EQ(cal.add_working_time(autumn_sunday, 25h), utc(2026, 10, 26, 0h));  // the whole (long) day
    EXPECT_EQ(cal.add_working_time(autumn_sunday, 26h), utc(2026, 11, 1, 1h));
}

TEST(WorkingCalendar, WallClockHoursSpanningTheChange) {
    Calendar c;
    c.hours = WorkingHours{};
    c.hours.days[6] = DayHours{30min, 3h};  // Sunday 00:30-03:00 local
    const WorkingCalendar cal(c);
    // Spring: 00:30 GMT to 03:00 BST = 00:30 to 02:00 UTC, 1h30 of real time.
    EXPECT_EQ(cal.working_time_between(utc(2026, 3, 29, 0h), utc(2026, 3, 30, 0h)), 1h + 30min);
    // Autumn: 00:30 BST (23:30 UTC on the 24th) to 03:00 GMT, 3h30 of real time.
    EXPECT_EQ(cal.working_time_between(utc(2026, 10, 24, 0h), utc(2026, 10, 26, 0h)), 3h + 30min);
    EXPECT_EQ(cal.next_working_start(utc(2026, 10, 24, 12h)), utc(2026, 10, 24, 23h + 30min));
}

TEST(WorkingCalendar, StartOutsideWorkingHours) {
    const WorkingCalendar cal(default_calendar());
    // Saturday 6 June 2026 10:00 BST + 1h -> Monday 09:00 BST.
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 6, 10h), 1h), london(2026, 6, 8, 9h));
    // Tuesday 06:00 + 30m -> 08:30; Tuesday 20:00 + 30m -> Wednesday 08:30.
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 9, 6h), 30min), london(2026, 6, 9, 8h + 30min));
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 9, 20h), 30min), london(2026, 6, 10, 8h + 30min));
    // Exactly at closing: nothing left that day.
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 9, 18h + 30min), 1s), london(2026, 6, 10, 8h) + 1s);
    // Ending exactly at closing stays on that day.
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 9, 8h), 10h + 30min), london(2026, 6, 9, 18h + 30min));
}

TEST(WorkingCalendar, IsWorkingAndNextWorkingStart) {
    const WorkingCalendar cal(default_calendar());
    EXPECT_TRUE(cal.is_working(london(2026, 6, 9, 8h)));
    EXPECT_FALSE(cal.is_working(london(2026, 6, 9, 8h) - 1s));
    EXPECT_FALSE(cal.is_working(london(2026, 6, 9, 18h + 30min)));
    EXPECT_FALSE(cal.is_working(london(2026, 5, 25, 12h)));  // bank holiday
    EXPECT_EQ(cal.next_working_start(london(2026, 6, 9, 12h)), london(2026, 6, 9, 12h));
    EXPECT_EQ(cal.next_working_start(london(2026, 5, 23, 12h)), london(2026, 5, 26, 8h));
}

TEST(WorkingCalendar, ZeroAmountIsTheStart) {
    const WorkingCalendar cal(default_calendar());
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 9, 12h), 0s), london(2026, 6, 9, 12h));
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 6, 12h), 0s), london(2026, 6, 6, 12h));  // Saturday
    EXPECT_EQ(cal.add_working_time(london(2026, 6, 6, 12h), -5s), london(2026, 6, 6, 12h));
    EXPECT_EQ(cal.working_time_between(london(2026, 6, 9, 12h), london(2026, 6, 9, 12h)), 0s);
    EXPECT_EQ(cal.working_time_between(london(2026, 6, 9, 12h), london(2026, 6, 8, 12h)), 0s);
}

TEST(WorkingCalendar, NoWorkingHoursAtAllMeansNever) {
    Calendar c;
    c.hours = WorkingHours{};
    const WorkingCalendar cal(c);
    EXPECT_FALSE(cal.has_working_hours());
    EXPECT_EQ(cal.add_working_time(utc(2026, 6, 9, 12h), 1s), SysSeconds::max());
    EXPECT_EQ(cal.next_working_start(utc(2026, 6, 9, 12h)), std::nullopt);
    EXPECT_EQ(cal.working_time_between(utc(2026, 1, 1, 0h), utc(2027, 1, 1, 0h)), 0s);
    EXPECT_FALSE(cal.is_working(utc(2026, 6, 9, 12h)));
}

TEST(WorkingCalendar, TerminatesOnExtremeInputs) {
    const WorkingCalendar cal(default_calendar());
    EXPECT_EQ(cal.add_working_time(utc(2026, 6, 9, 12h), std::chrono::seconds::max()), SysSeconds::max());
    EXPECT_EQ(cal.add_working_time(SysSeconds::max(), 1h), SysSeconds::max());
    EXPECT_NE(cal.add_working_time(SysSeconds::min(), 1h), SysSeconds::max());
    EXPECT_EQ(cal.next_working_start(SysSeconds::max()), std::nullopt);
    EXPECT_FALSE(cal.is_working(SysSeconds::max()));
    EXPECT_FALSE(cal.is_working(SysSeconds::min()));
    // A year of working time lands about 1.4 years on, quickly.
    const auto far = cal.add_working_time(utc(2026, 1, 1, 0h), 2730h);
    EXPECT_GT(far, utc(2027, 1, 1, 0h));
    EXPECT_EQ(cal.working_time_between(utc(2026, 1, 1, 0h), far), 2730h);
}

TEST(WorkingCalendar, UnknownTimeZoneThrows) {
    Calendar c;
    c.time_zone = "Europe/Londn";
    EXPECT_THROW(WorkingCalendar{c}, std::invalid_argument);
}

TEST(WorkingCalendar, UnsortedDuplicateClosedDaysAreFine) {
    Calendar c;
    c.closed_days = {sys_days{year{2026} / 5 / 25}, sys_days{year{2026} / 5 / 4}, sys_days{year{2026} / 5 / 25}};
    const WorkingCalendar cal(c);
    EXPECT_FALSE(cal.is_working(london(2026, 5, 25, 12h)));
    EXPECT_FALSE(cal.is_working(london(2026, 5, 4, 12h)));
    EXPECT_TRUE(cal.is_working(london(2026, 5, 5, 12h)));
}

// working_time_between(s, add_working_time(s, a)) == a, for starts all over 2026 (both clock
// changes, weekends, holidays, inside and outside hours) and amounts from a second to a week.
void expect_round_trips(const WorkingCalendar& cal) {
    const std::chrono::seconds amounts[] = {1s, 59min, 4h, 10h + 30min, 21h, 3 * 24h + 7min, 100h};
    int checked = 0;
    for (auto s = utc(2026, 1, 1, 0h); s < utc(2027, 1, 3, 0h); s += 7h + 13min) {
        for (auto a : amounts) {
            const auto end = cal.add_working_time(s, a);
            ASSERT_LT(end, SysSeconds::max());
            ASSERT_EQ(cal.working_time_between(s, end), a) << "start " << s.time_since_epoch().count();
            ASSERT_TRUE(end == s || cal.is_working(end - 1s)) << "end " << end.time_since_epoch().count();
            ++checked;
        }
    }
    EXPECT_GT(checked, 1000);
}

TEST(WorkingCalendar, WorkingTimeBetweenRoundTripsAddWorkingTime) {
    expect_round_trips(WorkingCalendar(default_calendar()));
    Calendar c = round_the_clock();
    c.closed_days = bank_holidays_2026_27();
    expect_round_trips(WorkingCalendar(c));
}

}  // namespace
}  // namespace gpwatch
