#include "sim/common/london_time.hpp"

#include <gtest/gtest.h>

namespace gpwatch::sim {

using namespace std::chrono;

namespace {
SysSeconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}
}  // namespace

TEST(LondonTime, SummerAndWinter) {
    EXPECT_EQ(london_rfc3339(utc(2026, 5, 11, 9, 42, 7)), "2026-05-11T10:42:07+01:00");
    EXPECT_EQ(london_rfc3339(utc(2026, 1, 15, 23, 5, 0)), "2026-01-15T23:05:00+00:00");
    EXPECT_EQ(london_rfc3339(utc(2026, 6, 30, 23, 30, 0)), "2026-07-01T00:30:00+01:00");  // crosses midnight
}

TEST(LondonTime, Transitions2026) {
    // Last Sunday of March 2026 is the 29th, of October the 25th; both switch at 01:00 UTC.
    EXPECT_EQ(london_rfc3339(utc(2026, 3, 29, 0, 59, 59)), "2026-03-29T00:59:59+00:00");
    EXPECT_EQ(london_rfc3339(utc(2026, 3, 29, 1, 0, 0)), "2026-03-29T02:00:00+01:00");
    EXPECT_EQ(london_rfc3339(utc(2026, 10, 25, 0, 59, 59)), "2026-10-25T01:59:59+01:00");
    EXPECT_EQ(london_rfc3339(utc(2026, 10, 25, 1, 0, 0)), "2026-10-25T01:00:00+00:00");
}

}  // namespace gpwatch::sim
