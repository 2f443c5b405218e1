#include "daemon/review/review_clock.hpp"

#include <gtest/gtest.h>

using gpwatch::ReviewClock;

TEST(ReviewClock, TakesDueWritesSoonestFirstAndOnlyOnce) {
    ReviewClock c;
    c.schedule(1, 300);
    c.schedule(2, 100);
    c.schedule(3, 200);
    EXPECT_EQ(c.next_deadline(), 100);
    EXPECT_EQ(c.take_due(250), (std::vector<std::int64_t>{2, 3}));
    EXPECT_TRUE(c.take_due(250).empty());
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.take_due(300), (std::vector<std::int64_t>{1}));
    EXPECT_FALSE(c.next_deadline());
}

TEST(ReviewClock, RescheduleMovesAndCancelRemoves) {
    ReviewClock c;
    c.schedule(1, 100);
    c.schedule(1, 500);
    EXPECT_TRUE(c.take_due(400).empty());
    c.cancel(1);
    EXPECT_TRUE(c.take_due(1000).empty());
    EXPECT_EQ(c.size(), 0u);
}
