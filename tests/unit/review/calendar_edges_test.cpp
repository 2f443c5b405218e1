// The working-time calendar on the edges a practice meets, with the bank holidays from the shipped
// data file (config/bank-holidays-england-and-wales.txt) and closures from settings: a bank
// holiday Monday, both clock changes, deadlines across Christmas and New Year with substitute
// days, and training afternoons.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "daemon/review/working_calendar.hpp"
#include "daemon/settings/bank_holidays.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace gpwatch {
namespace {

using namespace std::chrono_literals;
using date::sys_days;
using date::year;

const std::string kShippedHolidays = GPWATCH_SOURCE_DIR "/config/bank-holidays-england-and-wales.txt";

SysSeconds utc(int y, unsigned m, unsigned d, std::chrono::minutes hm) {
    return SysSeconds{sys_days{year{y} / m / d}} + hm;
}

SysSeconds london(int y, unsigned m, unsigned d, std::chrono::minutes hm) {
    return date::make_zoned("Europe/London", date::local_days{year{y} / m / d} + hm).get_sys_time();
}

std::vector<sys_days> shipped_holidays() {
    std::ifstream in(kShippedHolidays);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed =
        settings_detail::parse_bank_holidays(text.str(), kShippedHolidays, "calendar.bank_holidays_file");
    EXPECT_TRUE(parsed.errors.empty());
    EXPECT_TRUE(parsed.warnings.empty());
    return parsed.days;
}

// A practice's calendar: Monday to Friday 08:00-18:30 (the default), the shipped bank holidays.
Calendar practice_calendar() {
    Calendar c;
    c.closed_days = shipped_holidays();
    return c;
}

TEST(CalendarEdges, TheShippedFileCoversEightBankHolidaysAYear2024To2028) {
    const auto days = shipped_holidays();
    ASSERT_EQ(days.size(), 40u);
    for (int y = 2024; y <= 2028; ++y) {
        const auto n = std::count_if(days.begin(), days.end(),
                                     [&](sys_days d) { return date::year_month_day{d}.year() == year{y}; });
        EXPECT_EQ(n, 8) << y;
    }
    // Every bank holiday is a weekday (weekend ones have substitute days instead).
    for (auto d : days) EXPECT_LT(date::weekday{d}.iso_encoding(), 6u) << date::format("%F", d);
}

TEST(CalendarEdges, EasterMondayIsNotAWorkingDay2028) {
    const WorkingCalendar cal(practice_calendar());
    // Thu 13 Apr 2028 17:00 BST + 4h: 1h30 on Thursday; Good Friday 14, the weekend and Easter
    // Monday 17 closed; Tuesday 18 from 08:00 BST for 2h30 -> 10:30 BST.
    EXPECT_EQ(cal.add_working_time(london(2028, 4, 13, 17h), 4h), utc(2028, 4, 18, 9h + 30min));
    EXPECT_FALSE(cal.is_working(london(2028, 4, 17, 11h)));
    EXPECT_TRUE(cal.is_working(london(2028, 4, 18, 11h)));
}

TEST(CalendarEdges, AnOrdinaryBankHolidayMondayInSummer) {
    const WorkingCalendar cal(practice_calendar());
    // Fri 27 Aug 2027 16:00 BST + 10h30 (one working day): 2h30 Friday; Mon 30 Aug is the summer
    // bank holiday; Tue 31 08:00 BST + 8h -> 16:00 BST.
    EXPECT_EQ(cal.add_working_time(london(2027, 8, 27, 16h), 10h + 30min), london(2027, 8, 31, 16h));
}

TEST(CalendarEdges, SpringForwardOnEasterWeekend2027) {
    // Clocks go forward on Sunday 28 March 2027, which is Easter Sunday: Good Friday before it and
    // Easter Monday after it are closed too.
    const WorkingCalendar cal(practice_calendar());
    // Thu 25 Mar 17:00 GMT + 4h: 1h30 Thu; Tue 30 Mar 08:00 BST (07:00 UTC) + 2h30 -> 09:30 UTC.
    EXPECT_EQ(cal.add_working_time(utc(2027, 3, 25, 17h), 4h), utc(2027, 3, 30, 9h + 30min));
    // A full working week either side of the change is 5 x 10h30 of real time.
    EXPECT_EQ(cal.working_time_between(london(2027, 3, 22, 0h), london(2027, 4, 5, 0h)),
              8 * (10h + 30min));  // 22-25 Mar (4 days), 30 Mar-2 Apr (4 days)
}

TEST(CalendarEdges, FallBack2027) {
    const WorkingCalendar cal(practice_calendar());
    // Clocks go back on Sunday 31 October 2027. Fri 29 Oct 17:00 BST (16:00 UTC) + 4h: 1h30 Fri;
    // Mon 1 Nov 08:00 GMT + 2h30 -> 10:30 UTC.
    EXPECT_EQ(cal.add_working_time(london(2027, 10, 29, 17h), 4h), utc(2027, 11, 1, 10h + 30min));
    // A practice open on Sundays round the clock gets the extra hour of the autumn Sunday.
    Calendar sundays;
    for (auto& d : sundays.hours.days) d.reset();
    sundays.hours.days[6] = DayHours{0min, 24h};
    EXPECT_EQ(
        WorkingCalendar(sundays).working_time_between(london(2027, 10, 31, 0h), london(2027, 11, 1, 0h)),
        25h);
    EXPECT_EQ(WorkingCalendar(sundays).working_time_between(london(2027, 3, 28, 0h), london(2027, 3, 29, 0h)),
              23h);
}

TEST(CalendarEdges, DeadlineAcrossChristmasAndNewYearWithSubstituteDays2027) {
    const WorkingCalendar cal(practice_calendar());
    // Thu 23 Dec 2027 16:00 + 21h (two working days): 2h30 Thu; Fri 24 10h30; Christmas Day and
    // Boxing Day fall at the weekend, so Mon 27 and Tue 28 are the substitute days; Wed 29 08:00 + 8h.
    EXPECT_EQ(cal.add_working_time(utc(2027, 12, 23, 16h), 21h), utc(2027, 12, 29, 16h));
    // Thu 30 Dec 12:00 + 21h: 6h30 Thu; Fri 31 10h30; New Year's Day is a Saturday, so Mon 3 Jan
    // 2028 is its substitute; Tue 4 Jan 08:00 + 4h.
    EXPECT_EQ(cal.add_working_time(utc(2027, 12, 30, 12h), 21h), utc(2028, 1, 4, 12h));
    // Fri 24 Dec 12:00 + 63h spans both: 6h30; 29, 30, 31 Dec; 4, 5 Jan; Thu 6 Jan 08:00 + 4h.
    EXPECT_EQ(cal.add_working_time(utc(2027, 12, 24, 12h), 63h), utc(2028, 1, 6, 12h));
    EXPECT_EQ(cal.working_time_between(utc(2027, 12, 24, 0h), utc(2028, 1, 5, 0h)),
              5 * (10h + 30min));  // 24, 29, 30, 31 Dec and 4 Jan
}

TEST(CalendarEdges, ATrainingAfternoonIsClosed) {
    Calendar c = practice_calendar();
    c.closures.push_back({sys_days{year{2027} / 3 / 17}, 13h, 18h + 30min, "protected learning time"});
    const WorkingCalendar cal(c);
    // Wed 17 Mar 2027 10:00 GMT + 4h: 3h until 13:00; the afternoon is closed; Thu 08:00 + 1h.
    EXPECT_EQ(cal.add_working_time(utc(2027, 3, 17, 10h), 4h), utc(2027, 3, 18, 9h));
    EXPECT_FALSE(cal.is_working(utc(2027, 3, 17, 14h)));
    EXPECT_TRUE(cal.is_working(utc(2027, 3, 17, 12h)));
    EXPECT_EQ(cal.next_working_start(utc(2027, 3, 17, 14h)), utc(2027, 3, 18, 8h));
}

TEST(CalendarEdges, AClosureInTheMiddleOfTheDayAndAWholeDay) {
    Calendar c = practice_calendar();
    c.closures.push_back({sys_days{year{2027} / 6 / 9}, 12h, 14h, "staff meeting"});
    c.closures.push_back({sys_days{year{2027} / 6 / 10}, 0min, 24h, "away day"});
    const WorkingCalendar cal(c);
    // Wed 9 Jun 11:00 BST + 2h: 1h to 12:00, closed to 14:00, 1h -> 15:00 BST.
    EXPECT_EQ(cal.add_working_time(london(2027, 6, 9, 11h), 2h), london(2027, 6, 9, 15h));
    // Wed 9 Jun 17:00 BST + 4h: 1h30 Wed; Thu 10 closed; Fri 11 08:00 + 2h30.
    EXPECT_EQ(cal.add_working_time(london(2027, 6, 9, 17h), 4h), london(2027, 6, 11, 10h + 30min));
    EXPECT_EQ(cal.working_time_between(london(2027, 6, 9, 0h), london(2027, 6, 11, 0h)), 8h + 30min);
}

TEST(CalendarEdges, ClosuresComeFromTheSettingsFile) {
    const std::string yaml =
        "practice: {ods: C84001, name: Test Practice}\n"
        "state_dir: /var/lib/gpwatch\n"
        "clinical_feed: {enabled: false}\n"
        "calendar:\n"
        "  bank_holidays_file: " +
        kShippedHolidays +
        "\n"
        "  closures:\n"
        "    - date: 2027-03-17\n"
        "      hours: \"13:00-18:30\"\n"
        "      why: protected learning time\n"
        "    - date: 2027-07-02\n";
    const auto r = load_settings_text(yaml, "test.yaml", "");
    ASSERT_TRUE(r.settings) << (r.errors.empty() ? "" : r.errors[0].to_string());
    const auto& cal = r.settings->calendar;
    EXPECT_EQ(cal.closed_days.size(), 40u);
    ASSERT_EQ(cal.closures.size(), 2u);
    EXPECT_EQ(cal.closures[0].day, sys_days{year{2027} / 3 / 17});
    EXPECT_EQ(cal.closures[0].start, 13h);
    EXPECT_EQ(cal.closures[0].end, 18h + 30min);
    EXPECT_EQ(cal.closures[0].why, "protected learning time");
    EXPECT_EQ(cal.closures[1].start, 0min);
    EXPECT_EQ(cal.closures[1].end, 24h);
    const WorkingCalendar working(cal);
    EXPECT_FALSE(working.is_working(london(2027, 7, 2, 10h)));
}

TEST(CalendarEdges, BadClosuresAreRefusedWithTheirLine) {
    const std::string yaml =
        "practice: {ods: C84001, name: Test Practice}\n"  // 1
        "state_dir: /var/lib/gpwatch\n"                   // 2
        "clinical_feed: {enabled: false}\n"               // 3
        "calendar:\n"                                     // 4
        "  closures:\n"                                   // 5
        "    - date: 2027-02-30\n"                        // 6
        "    - date: 2027-03-17\n"                        // 7
        "      hours: \"18:00-13:00\"\n";                 // 8
    const auto r = load_settings_text(yaml, "test.yaml", "");
    ASSERT_FALSE(r.settings);
    ASSERT_EQ(r.errors.size(), 2u);
    EXPECT_EQ(r.errors[0].line, 6);
    EXPECT_EQ(r.errors[0].setting, "calendar.closures[0].date");
    EXPECT_EQ(r.errors[1].line, 8);
    EXPECT_EQ(r.errors[1].setting, "calendar.closures[1].hours");
}

}  // namespace
}  // namespace gpwatch
