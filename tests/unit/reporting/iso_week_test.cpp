// ISO weeks in Europe/London: the periods LMC reports count over.
#include "reporting/iso_week.hpp"

#include <gtest/gtest.h>

#include <date/date.h>
#include <date/tz.h>

namespace gpwatch::reporting {
namespace {

const date::time_zone* london() { return date::locate_zone("Europe/London"); }

std::int64_t utc(int y, unsigned m, unsigned d, int hh, int mm) {
    using namespace std::chrono;
    const date::sys_days day = date::year{y} / date::month{m} / date::day{d};
    return (date::sys_seconds{day} + hours{hh} + minutes{mm}).time_since_epoch().count();
}

TEST(IsoWeek, NamesTheWeekHoldingAnInstant) {
    const IsoWeek w = iso_week_containing(utc(2026, 11, 19, 12, 0), london());
    EXPECT_EQ(w.name(), "2026-W47");
    EXPECT_EQ(w.start, utc(2026, 11, 16, 0, 0));  // GMT: local midnight is UTC midnight
    EXPECT_EQ(w.end, utc(2026, 11, 23, 0, 0));
}

TEST(IsoWeek, BoundaryIsLocalMondayMidnightInSummerTime) {
    // Sunday 2026-07-05 23:30 BST is 22:30 UTC: still week 27. Monday 00:00 BST is Sunday 23:00 UTC.
    EXPECT_EQ(iso_week_containing(utc(2026, 7, 5, 22, 30), london()).name(), "2026-W27");
    EXPECT_EQ(iso_week_containing(utc(2026, 7, 5, 23, 0), london()).name(), "2026-W28");
    EXPECT_EQ(iso_week_containing(utc(2026, 7, 5, 23, 0), london()).start, utc(2026, 7, 5, 23, 0));
}

TEST(IsoWeek, AWeekHoldingAClockChangeIsAnHourShortOrLong) {
    const IsoWeek spring = iso_week_containing(utc(2027, 3, 26, 12, 0), london());  // clocks go forward 28 March
    EXPECT_EQ(spring.end - spring.start, 167 * 3600);
    const IsoWeek autumn = iso_week_containing(utc(2027, 10, 28, 12, 0), london());  // back 31 October
    EXPECT_EQ(autumn.end - autumn.start, 169 * 3600);
}

TEST(IsoWeek, TheWeekYearDiffersFromTheCalendarYearAtItsEdges) {
    EXPECT_EQ(iso_week_containing(utc(2027, 1, 1, 12, 0), london()).name(), "2026-W53");
    EXPECT_EQ(iso_week_containing(utc(2025, 12, 29, 12, 0), london()).name(), "2026-W01");
}

TEST(IsoWeek, ParsesWhatItNames) {
    const auto w = parse_iso_week("2026-W53", london());
    ASSERT_TRUE(w);
    EXPECT_EQ(w->start, utc(2026, 12, 28, 0, 0));
    EXPECT_EQ(w->name(), "2026-W53");
    EXPECT_EQ(parse_iso_week("2026-w47", london())->name(), "2026-W47");
}

TEST(IsoWeek, RefusesWhatIsNotAWeek) {
    EXPECT_FALSE(parse_iso_week("2027-W53", london()));  // 2027 has 52 weeks
    EXPECT_FALSE(parse_iso_week("2026-W00", london()));
    EXPECT_FALSE(parse_iso_week("2026-47", london()));
    EXPECT_FALSE(parse_iso_week("2026-W4x", london()));
    EXPECT_FALSE(parse_iso_week("2026-W470", london()));
    EXPECT_FALSE(parse_iso_week("", london()));
    EXPECT_FALSE(parse_iso_week("+026-W47", london()));
}

TEST(IsoWeek, NextAndPreviousCrossTheYear) {
    const IsoWeek last = *parse_iso_week("2026-W53", london());
    EXPECT_EQ(next_week(last, london()).name(), "2027-W01");
    EXPECT_EQ(previous_week(next_week(last, london()), london()), last);
}

}  // namespace
}  // namespace gpwatch::reporting
