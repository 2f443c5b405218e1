// Valid settings: the shipped example, defaults, relative paths, the bank holidays file, warnings.
#include <algorithm>

#include <gtest/gtest.h>

#include "settings_test_util.hpp"

namespace gpwatch {
namespace {

using namespace test;
using namespace std::chrono_literals;
using date::sys_days;
using date::year;

TEST(SettingsValid, LoadsTheShippedExample) {
    const std::string path = kSourceDir + "/config/gpwatchd.yaml";
    const auto r = load_settings_file(path);
    ASSERT_TRUE(r.errors.empty()) << all(r.errors);
    ASSERT_TRUE(r.settings);
    const Settings& s = *r.settings;
    EXPECT_EQ(s.source_file, path);
    EXPECT_EQ(s.practice_ods, "C84001");
    EXPECT_EQ(s.practice_name, "Example Medical Practice");
    EXPECT_EQ(s.state_dir, "/var/lib/gpwatch");
    EXPECT_TRUE(s.clinical_feed.enabled);
    EXPECT_EQ(s.clinical_feed.url, "wss://127.0.0.1:8443/feed");
    EXPECT_EQ(s.clinical_feed.token, "gpwatch-sim-token");
    EXPECT_EQ(s.clinical_feed.ca_file, "/tmp/gpwatch-sim/ca.pem");
    EXPECT_EQ(s.clinical_feed.max_frame_bytes, 1048576u);
    EXPECT_EQ(s.calendar.time_zone, "Europe/London");
    for (const auto& d : s.calendar.hours.days) {
        ASSERT_TRUE(d);
        EXPECT_EQ(d->start, 0min);
        EXPECT_EQ(d->end, 24h);
    }
    EXPECT_TRUE(s.calendar.closed_days.empty());
    EXPECT_EQ(s.default_review_within, 30s);
    ASSERT_EQ(s.allowed.size(), 5u);  // four allowed, then one review_only (controller_settings_test)
    EXPECT_EQ(s.allowed[0].ods, "RT5");
    EXPECT_EQ(s.allowed[0].name, "Leicestershire Partnership NHS Trust");
    EXPECT_EQ(s.allowed[0].review_within, 30s);
    EXPECT_EQ(s.allowed[1].review_within, 2min);
    EXPECT_EQ(s.allowed[2].ods, "NQT11");
    EXPECT_EQ(s.allowed[2].review_within, 1min);
    EXPECT_EQ(s.allowed[3].ods, "NHC04");
    ASSERT_EQ(s.prohibited.size(), 1u);
    EXPECT_EQ(s.prohibited[0].ods, "RW1");
    EXPECT_EQ(s.prohibited[0].why, "the practice withdrew this trust's write access on 2026-03-01");
    EXPECT_EQ(s.duty_inbox.maildir, "/var/lib/gpwatch/duty-inbox");
    EXPECT_EQ(s.duty_inbox.to, "duty-gp@example-practice.nhs.net");
    EXPECT_EQ(s.duty_inbox.from, "gpwatch@example-practice.nhs.net");
    EXPECT_EQ(s.ledger.batch_max_events, 512u);
    EXPECT_EQ(s.ledger.batch_max_delay, 20ms);
    EXPECT_NE(s.find_allowed("RY5"), nullptr);
    EXPECT_NE(s.find_prohibited("RW1"), nullptr);
    // The demo keeps bank holidays off on purpose: that is worth a warning, not an error.
    EXPECT_TRUE(has_warning(r, "calendar.bank_holidays_file")) << all(r.warnings);
}

TEST(SettingsValid, DefaultsForEverythingOptional) {
    const auto r = load(minimal_yaml());
    ASSERT_TRUE(r.settings) << all(r.errors);
    const Settings& s = *r.settings;
    const Settings defaults;
    EXPECT_EQ(s.source_file, "test.yaml");
    EXPECT_TRUE(s.clinical_feed.enabled);
    EXPECT_EQ(s.clinical_feed.max_frame_bytes, defaults.clinical_feed.max_frame_bytes);
    EXPECT_EQ(s.clinical_feed.reconnect_initial, 500ms);
    EXPECT_EQ(s.clinical_feed.reconnect_max, 30s);
    EXPECT_EQ(s.calendar.time_zone, "Europe/London");
    for (int d = 0; d < 7; ++d) {
        if (d < 5) {
            ASSERT_TRUE(s.calendar.hours.days[d]);
            EXPECT_EQ(s.calendar.hours.days[d]->start, 8h);
            EXPECT_EQ(s.calendar.hours.days[d]->end, 18h + 30min);
        } else {
            EXPECT_FALSE(s.calendar.hours.days[d]);
        }
    }
    EXPECT_TRUE(s.calendar.bank_holidays_file.empty());
    EXPECT_TRUE(s.calendar.closed_days.empty());
    EXPECT_EQ(s.default_review_within, 21h);
    EXPECT_TRUE(s.allowed.empty());
    EXPECT_TRUE(s.prohibited.empty());
    EXPECT_EQ(s.duty_inbox.maildir, "/var/lib/gpwatch/duty-inbox");
    EXPECT_EQ(s.duty_inbox.to, defaults.duty_inbox.to);
    EXPECT_EQ(s.duty_inbox.from, defaults.duty_inbox.from);
    EXPECT_EQ(s.ledger.batch_max_events, 512u);
    EXPECT_EQ(s.ledger.batch_max_delay, 20ms);
    EXPECT_TRUE(has_warning(r, "calendar.bank_holidays_file"));
}

TEST(SettingsValid, OrganisationsWithoutReviewWithinGetTheDefault) {
    const auto r = load(minimal_yaml() +
                        "review:\n  default_within: 10h30m\n"
                        "organisations:\n  allowed:\n    - ods: RT5\n    - ods: RY5\n      review_within: 4h\n"
                        "  prohibited:\n    - ods: RW1\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    ASSERT_EQ(r.settings->allowed.size(), 2u);
    EXPECT_EQ(r.settings->allowed[0].review_within, 10h + 30min);
    EXPECT_EQ(r.settings->allowed[1].review_within, 4h);
    EXPECT_EQ(r.settings->prohibited[0].why, "");
}

TEST(SettingsValid, WorkingHoursOverrideOnlyTheDaysListed) {
    const auto r = load(minimal_yaml() +
                        "calendar:\n  working_hours:\n    monday: closed\n    saturday: \"09:00-12:00\"\n"
                        "    friday: \"08:00-24:00\"\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const auto& days = r.settings->calendar.hours.days;
    EXPECT_FALSE(days[0]);
    ASSERT_TRUE(days[1]);
    EXPECT_EQ(days[1]->start, 8h);
    EXPECT_EQ(days[4]->end, 24h);
    ASSERT_TRUE(days[5]);
    EXPECT_EQ(days[5]->start, 9h);
    EXPECT_EQ(days[5]->end, 12h);
    EXPECT_FALSE(days[6]);
}

TEST(SettingsValid, RelativePathsResolveAgainstTheSettingsFile) {
    const auto r = load_settings_file(kDataDir + "/relative.yaml");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const Settings& s = *r.settings;
    EXPECT_EQ(s.state_dir, kDataDir + "/state");
    EXPECT_EQ(s.clinical_feed.ca_file, kDataDir + "/ca.pem");
    EXPECT_EQ(s.clinical_feed.token, "s3cret-feed-token");  // read from the file and trimmed
    EXPECT_EQ(s.calendar.bank_holidays_file, kDataDir + "/holidays-good.txt");
    EXPECT_EQ(s.duty_inbox.maildir, kDataDir + "/state/duty-inbox");
    EXPECT_FALSE(has_warning(r, "clinical_feed.ca_file"));
}

TEST(SettingsValid, RelativeMaildirAndTextBaseDir) {
    const auto r = load_settings_text(minimal_yaml() + "duty_inbox:\n  maildir: ../inbox\n", "x.yaml", "/etc/gpwatch");
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_EQ(r.settings->duty_inbox.maildir, "/etc/inbox");
    EXPECT_EQ(r.settings->clinical_feed.ca_file, "/etc/gpwatch/ca.pem");
    EXPECT_TRUE(has_warning(r, "clinical_feed.ca_file"));  // /etc/gpwatch/ca.pem is not there
}

TEST(SettingsValid, BankHolidaysFileIsSortedAndUnique) {
    const auto r = load(minimal_yaml() + "calendar:\n  bank_holidays_file: holidays-good.txt\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const std::vector<sys_days> expected{sys_days{year{2026} / 5 / 25}, sys_days{year{2026} / 12 / 25},
                                         sys_days{year{2026} / 12 / 28}};
    EXPECT_EQ(r.settings->calendar.closed_days, expected);
    EXPECT_FALSE(has_warning(r, "calendar.bank_holidays_file"));
}

TEST(SettingsValid, ShippedEnglandAndWalesBankHolidays) {
    const std::string file = kSourceDir + "/config/bank-holidays-england-and-wales.txt";
    const auto r = load(minimal_yaml() + "calendar:\n  bank_holidays_file: " + file + "\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_TRUE(r.warnings.empty()) << all(r.warnings);
    const auto& days = r.settings->calendar.closed_days;
    EXPECT_EQ(days.size(), 40u);  // 8 a year, 2024 to 2028
    EXPECT_TRUE(std::is_sorted(days.begin(), days.end()));
    EXPECT_EQ(days.front(), sys_days{year{2024} / 1 / 1});
    EXPECT_EQ(days.back(), sys_days{year{2028} / 12 / 26});
    const auto has = [&](int y, unsigned m, unsigned d) {
        return std::binary_search(days.begin(), days.end(), sys_days{year{y} / m / d});
    };
    // 2026 as published, including the Boxing Day substitute.
    for (auto [m, d] : std::vector<std::pair<unsigned, unsigned>>{
             {1, 1}, {4, 3}, {4, 6}, {5, 4}, {5, 25}, {8, 31}, {12, 25}, {12, 28}})
        EXPECT_TRUE(has(2026, m, d)) << "2026-" << m << "-" << d;
    EXPECT_FALSE(has(2026, 12, 26));
    // Easter 2027 (28 March) and 2028 (16 April); substitute days for Christmas 2027 and New Year 2028.
    EXPECT_TRUE(has(2027, 3, 26) && has(2027, 3, 29) && has(2027, 12, 27) && has(2027, 12, 28));
    EXPECT_TRUE(has(2028, 1, 3) && has(2028, 4, 14) && has(2028, 4, 17));
    EXPECT_TRUE(has(2024, 3, 29) && has(2024, 4, 1) && has(2025, 4, 18) && has(2025, 4, 21));
    // Every one is a weekday.
    for (const auto d : days) {
        const auto wd = date::weekday{d};
        EXPECT_TRUE(wd != date::Saturday && wd != date::Sunday) << date::year_month_day{d};
    }
}

TEST(SettingsValid, DisabledFeedNeedsNoAddressOrToken) {
    const auto r = load("practice:\n  ods: C84001\n  name: P\nstate_dir: /s\nclinical_feed:\n  enabled: false\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_FALSE(r.settings->clinical_feed.enabled);
}

TEST(SettingsValid, WarnsAboutNoWorkingHoursAtAll) {
    std::string y = minimal_yaml() + "calendar:\n  working_hours:\n";
    for (const char* d : {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
        y += std::string("    ") + d + ": closed\n";
    const auto r = load(y);
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_TRUE(has_warning(r, "calendar.working_hours")) << all(r.warnings);
}

TEST(SettingsValid, WarnsAboutThePracticeListingItself) {
    const auto r = load(minimal_yaml() + "organisations:\n  allowed:\n    - ods: C84001\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_TRUE(has_warning(r, "organisations.allowed[0].ods")) << all(r.warnings);
}

TEST(SettingsValid, WarnsAboutADuplicateBankHoliday) {
    const auto r = load(minimal_yaml() + "calendar:\n  bank_holidays_file: holidays-duplicate.txt\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_EQ(r.settings->calendar.closed_days.size(), 1u);
    ASSERT_EQ(r.warnings.size(), 1u) << all(r.warnings);
    EXPECT_EQ(r.warnings[0].file, kDataDir + "/holidays-duplicate.txt");
    EXPECT_EQ(r.warnings[0].line, 2);
    EXPECT_NE(r.warnings[0].message.find("listed twice (first on line 1)"), std::string::npos);
}

}  // namespace
}  // namespace gpwatch
