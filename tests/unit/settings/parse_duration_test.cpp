#include <gtest/gtest.h>

#include "daemon/settings/settings_loader.hpp"

namespace gpwatch {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsTheDocumentedForms) {
    EXPECT_EQ(parse_duration("45s"), 45s);
    EXPECT_EQ(parse_duration("30m"), 30min);
    EXPECT_EQ(parse_duration("4h"), 4h);
    EXPECT_EQ(parse_duration("1h30m"), 1h + 30min);
    EXPECT_EQ(parse_duration("20ms"), 20ms);
    EXPECT_EQ(parse_duration("10h30m"), 10h + 30min);
    EXPECT_EQ(parse_duration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
    EXPECT_EQ(parse_duration("0s"), 0ms);  // parses; the loader rejects it as not longer than zero
    EXPECT_EQ(parse_duration("90m"), 90min);
}

TEST(ParseDuration, RejectsEverythingElse) {
    for (const char* bad : {"", "45", "h", "4 hours", "4 h", " 4h", "4h ", "-4h", "+4h", "1.5h", "4H", "4d",
                            "30m1h", "1h1h", "1m1m", "4hm", "4hours", "PT4H", "1ms1s",
                            "99999999999999999999h", "9223372036854775807h"})
        EXPECT_EQ(parse_duration(bad), std::nullopt) << "'" << bad << "'";
}

}  // namespace
}  // namespace gpwatch
