// Every kind of bad settings gets an error naming the file, line, column, setting and why.
#include <gtest/gtest.h>

#include "settings_test_util.hpp"

namespace gpwatch {
namespace {

using namespace test;

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

// Expect exactly one error about `setting`, at `line`, whose message contains `words`.
void expect_error(const SettingsLoad& r, const std::string& setting, int line, const std::string& words) {
    EXPECT_FALSE(r.settings.has_value());
    const SettingsError e = error_for(r, setting);
    EXPECT_EQ(e.line, line) << e.to_string();
    EXPECT_GT(e.column, 0) << e.to_string();
    EXPECT_NE(e.message.find(words), std::string::npos) << e.to_string();
}

TEST(SettingsErrors, MinimalIsValid) {
    const auto r = load(minimal_yaml());
    EXPECT_TRUE(r.errors.empty()) << all(r.errors);
    EXPECT_TRUE(r.settings.has_value());
}

TEST(SettingsErrors, FileMissing) {
    const auto r = load_settings_file("/nonexistent/gpwatchd.yaml");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_FALSE(r.settings);
    EXPECT_EQ(r.errors[0].file, "/nonexistent/gpwatchd.yaml");
    EXPECT_NE(r.errors[0].message.find("No such file"), std::string::npos) << r.errors[0].to_string();
    EXPECT_EQ(r.errors[0].to_string(),
              "/nonexistent/gpwatchd.yaml: cannot read the settings file: No such file or directory");
}

TEST(SettingsErrors, FileIsADirectory) {
    const auto r = load_settings_file(kDataDir);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].message.find("directory"), std::string::npos);
}

TEST(SettingsErrors, EmptyFile) {
    const auto r = load("# only a comment\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].message.find("empty"), std::string::npos);
}

TEST(SettingsErrors, YamlSyntaxErrorNamesItsLine) {
    const auto r = load(minimal_yaml() + "calendar:\n  time_zone: [Europe/London\n");
    ASSERT_EQ(r.errors.size(), 1u) << all(r.errors);
    EXPECT_FALSE(r.settings);
    EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
    EXPECT_GE(r.errors[0].line, 10) << r.errors[0].to_string();
    EXPECT_EQ(r.errors[0].file, "test.yaml");

    const auto r2 = load("practice:\n  ods: C84001\n   name: bad indent\n");
    ASSERT_EQ(r2.errors.size(), 1u) << all(r2.errors);
    EXPECT_EQ(r2.errors[0].line, 3) << r2.errors[0].to_string();
}

TEST(SettingsErrors, UnknownKeySuggestsTheNearestOne) {
    const auto r = load(replaced(minimal_yaml(), "  token: t0ken\n", "  tokn: t0ken\n"));
    expect_error(r, "clinical_feed.tokn", 7, "did you mean 'token'?");
    EXPECT_NE(error_for(r, "clinical_feed.tokn").message.find("typo"), std::string::npos);
    EXPECT_EQ(error_for(r, "clinical_feed.tokn").column, 3);
    // The typo explains why token is missing; no second error says so.
    EXPECT_EQ(r.errors.size(), 1u) << all(r.errors);
}

TEST(SettingsErrors, UnknownSectionSuggestsTheNearestOne) {
    const auto r = load(minimal_yaml() + "calender:\n  time_zone: Europe/London\n");
    expect_error(r, "calender", 9, "did you mean 'calendar'?");
}

TEST(SettingsErrors, UnknownKeyFarFromAnyListsTheAllowedOnes) {
    const auto r = load(minimal_yaml() + "ledger:\n  colour: blue\n");
    expect_error(r, "ledger.colour", 10, "allowed here: batch_max_events, batch_max_delay");
}

TEST(SettingsErrors, KeyInTheWrongSectionSaysWhereItBelongs) {
    const auto r = load(minimal_yaml() + "time_zone: Europe/London\n");
    expect_error(r, "time_zone", 9, "belongs under 'calendar:'");
}

TEST(SettingsErrors, UnknownKeyInAnOrganisation) {
    const auto r = load(minimal_yaml() +
                        "organisations:\n"       // 9
                        "  allowed:\n"           // 10
                        "    - ods: RT5\n"       // 11
                        "      reveiw_within: 4h\n");  // 12
    expect_error(r, "organisations.allowed[0].reveiw_within", 12, "did you mean 'review_within'?");
}

TEST(SettingsErrors, KeyWrittenTwice) {
    const auto r = load(minimal_yaml() + "state_dir: /elsewhere\n");
    expect_error(r, "state_dir", 9, "written twice (first on line 4)");
}

TEST(SettingsErrors, MissingRequiredSettings) {
    const auto r = load("state_dir: /var/lib/gpwatch\n"
                        "practice:\n"
                        "  name: Test Practice\n"
                        "clinical_feed:\n"
                        "  enabled: true\n");
    expect_error(r, "practice.ods", 2, "required setting is missing (add 'ods:' under 'practice:')");
    expect_error(r, "clinical_feed.url", 4, "required setting is missing");
    expect_error(r, "clinical_feed.ca_file", 4, "required setting is missing");
    expect_error(r, "clinical_feed.token", 4, "token_file");
    EXPECT_EQ(r.errors.size(), 4u) << all(r.errors);
}

TEST(SettingsErrors, MissingPracticeNameAndStateDir) {
    std::string y = replaced(minimal_yaml(), "  name: Test Practice\n", "");
    y = replaced(y, "state_dir: /var/lib/gpwatch\n", "");
    const auto r = load(y);
    expect_error(r, "practice.name", 1, "required setting is missing");
    expect_error(r, "state_dir", 1, "add 'state_dir:' at the top level");
}

TEST(SettingsErrors, MissingSectionsEachSayWhatIsMissing) {
    const auto r = load("state_dir: /var/lib/gpwatch\n");
    expect_error(r, "practice.ods", 1, "no 'practice:' section");
    expect_error(r, "practice.name", 1, "no 'practice:' section");
    expect_error(r, "clinical_feed.url", 1, "no 'clinical_feed:' section");
    expect_error(r, "clinical_feed.token", 1, "no 'clinical_feed:' section");
}

TEST(SettingsErrors, SettingWithNoValue) {
    const auto r = load(replaced(minimal_yaml(), "state_dir: /var/lib/gpwatch\n", "state_dir:\n"));
    expect_error(r, "state_dir", 4, "has no value");
}

TEST(SettingsErrors, TokenAndTokenFileBoth) {
    const auto r = load(minimal_yaml() + "  token_file: feed-token.txt\n");
    expect_error(r, "clinical_feed.token_file", 9, "either token or token_file, not both");
}

TEST(SettingsErrors, WrongTypes) {
    const auto r = load("practice:\n"              // 1
                        "  - ods: C84001\n"        // 2
                        "state_dir: /var/lib/gpwatch\n"
                        "clinical_feed:\n"         // 4
                        "  url:\n"                 // 5
                        "    - wss://a:1/feed\n"   // 6
                        "  token: t\n"
                        "  ca_file: ca.pem\n"
                        "organisations:\n"         // 9
                        "  allowed:\n"             // 10
                        "    ods: RT5\n");         // 11
    expect_error(r, "practice", 2, "should be a map of settings");
    EXPECT_NE(error_for(r, "practice").message.find("but is a list"), std::string::npos);
    expect_error(r, "clinical_feed.url", 6, "should be a single value, but is a list");
    expect_error(r, "organisations.allowed", 11, "should be a list of organisations");
    // A section of the wrong kind is one error, not one more for each setting it "lacks".
    EXPECT_EQ(r.errors.size(), 3u) << all(r.errors);
}

TEST(SettingsErrors, RootIsNotAMap) {
    const auto r = load("- practice\n- state_dir\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].message.find("should be a map of settings"), std::string::npos);
}

TEST(SettingsErrors, InvalidPracticeOdsCode) {
    const auto r = load(replaced(minimal_yaml(), "ods: C84001", "ods: 84001C"));
    expect_error(r, "practice.ods", 2, "'84001C' is not an ODS code");
    EXPECT_EQ(error_for(r, "practice.ods").column, 8);
}

TEST(SettingsErrors, InvalidOrganisationOdsCodes) {
    const auto r = load(minimal_yaml() +
                        "organisations:\n"          // 9
                        "  allowed:\n"              // 10
                        "    - ods: rt5\n"          // 11
                        "    - ods: R\n"            // 12
                        "  prohibited:\n"           // 13
                        "    - ods: RW1-X\n"        // 14
                        "    - ods: ABCDEFG\n");    // 15
    expect_error(r, "organisations.allowed[0].ods", 11, "did you mean 'RT5'?");
    expect_error(r, "organisations.allowed[1].ods", 12, "'R' is not an ODS code");
    expect_error(r, "organisations.prohibited[0].ods", 14, "is not an ODS code");
    expect_error(r, "organisations.prohibited[1].ods", 15, "is not an ODS code");
}

TEST(SettingsErrors, InvalidDuration) {
    const auto r = load(minimal_yaml() +
                        "organisations:\n"                      // 9
                        "  allowed:\n"                          // 10
                        "    - ods: RT5\n"                      // 11
                        "      review_within: 30s\n"            // 12
                        "    - ods: RY5\n"                      // 13
                        "      review_within: 4 hours\n");      // 14
    expect_error(r, "organisations.allowed[1].review_within", 14, "");
    EXPECT_EQ(error_for(r, "organisations.allowed[1].review_within").to_string(),
              "test.yaml:14:22: organisations.allowed[1].review_within: '4 hours' is not a duration "
              "(write e.g. 4h, 30m, 1h30m)");
}

TEST(SettingsErrors, DurationWithoutUnit) {
    const auto r = load(minimal_yaml() + "review:\n  default_within: 45\n");
    expect_error(r, "review.default_within", 10, "has no unit (write e.g. 45s, 45m or 45h)");
}

TEST(SettingsErrors, NonPositiveDurations) {
    const auto r = load(minimal_yaml() + "  reconnect_initial: 0s\n" + "review:\n  default_within: 0m\n" +
                        "ledger:\n  batch_max_delay: 0ms\n");
    expect_error(r, "clinical_feed.reconnect_initial", 9, "must be longer than zero");
    expect_error(r, "review.default_within", 11, "must be longer than zero");
    expect_error(r, "ledger.batch_max_delay", 13, "must be longer than zero");
}

TEST(SettingsErrors, ReviewDeadlinesAreWholeSeconds) {
    const auto r = load(minimal_yaml() + "review:\n  default_within: 1500ms\n");
    expect_error(r, "review.default_within", 10, "whole number of seconds");
}

TEST(SettingsErrors, ReconnectInitialLongerThanMax) {
    const auto r = load(minimal_yaml() + "  reconnect_initial: 1m\n  reconnect_max: 10s\n");
    expect_error(r, "clinical_feed.reconnect_max", 10, "longer than the longest");
}

TEST(SettingsErrors, FeedUrlMustBeWssHostPortPath) {
    const std::pair<const char*, const char*> cases[] = {
        {"ws://127.0.0.1:8443/feed", "not encrypted"},
        {"https://127.0.0.1:8443/feed", "is not a wss:// address"},
        {"wss://127.0.0.1/feed", "has no port"},
        {"wss://127.0.0.1:8443", "has no path"},
        {"wss://127.0.0.1:99999/feed", "no valid port"},
        {"wss://127.0.0.1:port/feed", "no valid port"},
        {"wss://:8443/feed", "has no host"},
        {"wss://user@host:8443/feed", "invalid host"},
        {"clinical-server:8443", "is not a wss:// address"},
    };
    for (const auto& [url, words] : cases) {
        const auto r = load(replaced(minimal_yaml(), "wss://127.0.0.1:8443/feed", url));
        SCOPED_TRACE(url);
        expect_error(r, "clinical_feed.url", 6, words);
    }
    for (const char* good : {"wss://feed.example.nhs.uk:443/v1/feed", "wss://[::1]:8443/feed", "wss://h:1/"}) {
        const auto r = load(replaced(minimal_yaml(), "wss://127.0.0.1:8443/feed", good));
        EXPECT_TRUE(r.errors.empty()) << good << "\n" << all(r.errors);
    }
}

TEST(SettingsErrors, UnknownTimeZone) {
    const auto r = load(minimal_yaml() + "calendar:\n  time_zone: Europe/Londn\n");
    expect_error(r, "calendar.time_zone", 10, "unknown time zone 'Europe/Londn'");
}

TEST(SettingsErrors, BadWorkingHours) {
    const auto r = load(minimal_yaml() +
                        "calendar:\n"                    // 9
                        "  working_hours:\n"             // 10
                        "    monday: 8-18\n"             // 11
                        "    tuesday: \"18:30-08:00\"\n" // 12
                        "    wednesday: \"08:00-24:30\"\n"  // 13
                        "    thursday: \"24:00-24:00\"\n"   // 14
                        "    friday: shut\n"             // 15
                        "    saturday: \"08:00-08:00\"\n"   // 16
                        "    sunday: closed\n");         // 17
    expect_error(r, "calendar.working_hours.monday", 11, "is not working hours (write e.g. \"08:00-18:30\", or closed)");
    expect_error(r, "calendar.working_hours.tuesday", 12, "ends before it starts");
    expect_error(r, "calendar.working_hours.wednesday", 13, "is not working hours");
    expect_error(r, "calendar.working_hours.thursday", 14, "is not working hours");
    expect_error(r, "calendar.working_hours.friday", 15, "is not working hours");
    expect_error(r, "calendar.working_hours.saturday", 16, "ends before it starts");
    EXPECT_EQ(r.errors.size(), 6u) << all(r.errors);
}

TEST(SettingsErrors, UnknownWeekday) {
    const auto r = load(minimal_yaml() + "calendar:\n  working_hours:\n    mondy: \"08:00-18:30\"\n"
                                         "    Tuesday: closed\n    holiday: closed\n");
    expect_error(r, "calendar.working_hours.mondy", 11, "unknown weekday 'mondy' (probably a typo: did you mean 'monday'?)");
    expect_error(r, "calendar.working_hours.Tuesday", 12, "did you mean 'tuesday'?");
    expect_error(r, "calendar.working_hours.holiday", 13, "unknown weekday 'holiday'");
}

TEST(SettingsErrors, BankHolidaysFileMissing) {
    const auto r = load(minimal_yaml() + "calendar:\n  bank_holidays_file: no-such-holidays.txt\n");
    expect_error(r, "calendar.bank_holidays_file", 10, "cannot read the bank holidays file");
    EXPECT_NE(error_for(r, "calendar.bank_holidays_file").message.find(kDataDir + "/no-such-holidays.txt"),
              std::string::npos);
}

TEST(SettingsErrors, BankHolidaysFileBadLinesNameThatFile) {
    const auto r = load(minimal_yaml() + "calendar:\n  bank_holidays_file: holidays-bad.txt\n");
    ASSERT_EQ(r.errors.size(), 2u) << all(r.errors);
    const std::string file = kDataDir + "/holidays-bad.txt";
    EXPECT_EQ(r.errors[0].to_string(),
              file + ":3:1: calendar.bank_holidays_file: '2026-13-01' is not a date (each line is YYYY-MM-DD "
                     "and the holiday's name, e.g. 2026-12-25  Christmas Day)");
    EXPECT_EQ(r.errors[1].file, file);
    EXPECT_EQ(r.errors[1].line, 4);
    EXPECT_EQ(r.errors[1].column, 3);
    EXPECT_FALSE(r.settings);
}

TEST(SettingsErrors, TokenFileUnreadable) {
    const auto r = load(replaced(minimal_yaml(), "  token: t0ken\n", "  token_file: no-such-token\n"));
    expect_error(r, "clinical_feed.token_file", 7, "cannot read the token file");
    EXPECT_NE(error_for(r, "clinical_feed.token_file").message.find("No such file"), std::string::npos);
}

TEST(SettingsErrors, TokenFileEmptyOrNotOneWord) {
    auto r = load(replaced(minimal_yaml(), "  token: t0ken\n", "  token_file: empty-token.txt\n"));
    expect_error(r, "clinical_feed.token_file", 7, "is empty");
    r = load(replaced(minimal_yaml(), "  token: t0ken\n", "  token_file: spaced-token.txt\n"));
    expect_error(r, "clinical_feed.token_file", 7, "holds spaces or more than one line");
}

TEST(SettingsErrors, SameOdsListedTwice) {
    const auto r = load(minimal_yaml() +
                        "organisations:\n"   // 9
                        "  allowed:\n"       // 10
                        "    - ods: RT5\n"   // 11
                        "    - ods: RY5\n"   // 12
                        "    - ods: RT5\n"); // 13
    expect_error(r, "organisations.allowed[2].ods", 13, "RT5 is listed twice in organisations.allowed (first on line 11)");
}

TEST(SettingsErrors, SameOdsBothAllowedAndProhibited) {
    const auto r = load(minimal_yaml() +
                        "organisations:\n"   // 9
                        "  allowed:\n"       // 10
                        "    - ods: RW1\n"   // 11
                        "  prohibited:\n"    // 12
                        "    - ods: RW1\n"   // 13
                        "      why: withdrawn\n");
    expect_error(r, "organisations.prohibited[0].ods", 13, "RW1 is both allowed (line 11) and prohibited (line 13)");
}

TEST(SettingsErrors, EmptyOrganisationEntry) {
    const auto r = load(minimal_yaml() + "organisations:\n  allowed:\n    -\n    - ods: RT5\n");
    expect_error(r, "organisations.allowed[0]", 10, "entry 1 of the list is empty");
    EXPECT_EQ(r.errors.size(), 1u) << all(r.errors);
}

TEST(SettingsErrors, MaxFrameBytesOutOfRange) {
    auto r = load(minimal_yaml() + "  max_frame_bytes: 100\n");
    expect_error(r, "clinical_feed.max_frame_bytes", 9, "100 is out of range");
    r = load(minimal_yaml() + "  max_frame_bytes: 134217728\n");
    expect_error(r, "clinical_feed.max_frame_bytes", 9, "from 1024 (1 KiB) to 67108864 (64 MiB)");
    r = load(minimal_yaml() + "  max_frame_bytes: 1MB\n");
    expect_error(r, "clinical_feed.max_frame_bytes", 9, "'1MB' is not a whole number");
    r = load(minimal_yaml() + "  max_frame_bytes: -5\n");
    expect_error(r, "clinical_feed.max_frame_bytes", 9, "is not a whole number");
    for (const char* ok : {"1024", "67108864"})
        EXPECT_TRUE(load(minimal_yaml() + "  max_frame_bytes: " + ok + "\n").errors.empty()) << ok;
}

TEST(SettingsErrors, LedgerBatchValuesOutOfRange) {
    const auto r = load(minimal_yaml() + "ledger:\n  batch_max_events: 0\n  batch_max_delay: 1m\n");
    expect_error(r, "ledger.batch_max_events", 10, "0 is out of range");
    expect_error(r, "ledger.batch_max_delay", 11, "is out of range: write a wait from 1ms to 10s");
    const auto r2 = load(minimal_yaml() + "ledger:\n  batch_max_events: 1000001\n");
    expect_error(r2, "ledger.batch_max_events", 10, "out of range");
}

TEST(SettingsErrors, BadFlagAndMailAddress) {
    const auto r = load(minimal_yaml() + "  enabled: perhaps\n" + "duty_inbox:\n  to: duty gp\n");
    expect_error(r, "clinical_feed.enabled", 9, "is not true or false");
    expect_error(r, "duty_inbox.to", 11, "is not a mail address");
}

TEST(SettingsErrors, AllErrorsAreCollectedInFileOrder) {
    const auto r = load("practice:\n"                     // 1
                        "  ods: c84001\n"                 // 2
                        "  name: X\n"                     // 3
                        "state_dir: /s\n"                 // 4
                        "clinical_feed:\n"                // 5
                        "  url: http://x/feed\n"          // 6
                        "  token: t\n"                    // 7
                        "  ca_file: ca.pem\n"             // 8
                        "calendar:\n"                     // 9
                        "  time_zone: Mars/Olympus\n"     // 10
                        "ledger:\n"                       // 11
                        "  batch_max_delay: soon\n");     // 12
    ASSERT_EQ(r.errors.size(), 4u) << all(r.errors);
    EXPECT_EQ(r.errors[0].line, 2);
    EXPECT_EQ(r.errors[1].line, 6);
    EXPECT_EQ(r.errors[2].line, 10);
    EXPECT_EQ(r.errors[3].line, 12);
    EXPECT_FALSE(r.settings);
}

TEST(SettingsErrors, ToStringLeavesOutWhatIsUnknown) {
    EXPECT_EQ((SettingsError{"a.yaml", 3, 5, "x.y", "bad"}).to_string(), "a.yaml:3:5: x.y: bad");
    EXPECT_EQ((SettingsError{"a.yaml", 3, 0, "x.y", "bad"}).to_string(), "a.yaml:3: x.y: bad");
    EXPECT_EQ((SettingsError{"a.yaml", 0, 0, "", "bad"}).to_string(), "a.yaml: bad");
}

}  // namespace
}  // namespace gpwatch
