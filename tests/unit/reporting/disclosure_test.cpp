// The disclosure rule on its edges: what a practice may publish about small counts.
#include "reporting/disclosure.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace gpwatch::reporting {
namespace {

constexpr ControlledCount kRedacted{.value = 0, .redacted = true};
ControlledCount shown(std::uint32_t v) { return {.value = v, .redacted = false}; }

TEST(ControlCount, ZeroStaysZero) { EXPECT_EQ(control_count(0), shown(0)); }

TEST(ControlCount, OneToSevenIsRedacted) {
    for (std::uint64_t raw = 1; raw <= 7; ++raw) {
        EXPECT_EQ(control_count(raw), kRedacted) << raw;
    }
}

TEST(ControlCount, EightAndAboveRoundToTheNearestFive) {
    EXPECT_EQ(control_count(8), shown(10));
    EXPECT_EQ(control_count(9), shown(10));
    EXPECT_EQ(control_count(10), shown(10));
    EXPECT_EQ(control_count(12), shown(10));
    EXPECT_EQ(control_count(13), shown(15));
    EXPECT_EQ(control_count(17), shown(15));
    EXPECT_EQ(control_count(18), shown(20));
    EXPECT_EQ(control_count(1002), shown(1000));
}

TEST(ControlCount, NoShownValueIsBelowTenOrOffTheGrid) {
    for (std::uint64_t raw = 0; raw < 2000; ++raw) {
        const ControlledCount c = control_count(raw);
        if (c.redacted) {
            EXPECT_EQ(c.value, 0u);
            continue;
        }
        EXPECT_EQ(c.value % 5, 0u) << raw;
        EXPECT_TRUE(c.value == 0 || c.value >= 10) << raw;
        const auto diff = static_cast<long long>(c.value) - static_cast<long long>(raw);
        EXPECT_LE(diff < 0 ? -diff : diff, 2) << raw;
    }
}

TEST(ControlCount, HugeCountsSaturateInsteadOfWrapping) {
    const ControlledCount c = control_count(std::numeric_limits<std::uint64_t>::max());
    EXPECT_FALSE(c.redacted);
    EXPECT_EQ(c.value % 5, 0u);
    EXPECT_GT(c.value, 4'000'000'000u);
}

TEST(ControlGroup, AllZerosPublishZeros) {
    const std::vector<std::uint64_t> cells{0, 0, 0};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.total, shown(0));
    for (const auto& c : g.cells) EXPECT_EQ(c, shown(0));
}

TEST(ControlGroup, ASingleOneIsRedactedAndSoIsItsTotal) {
    const std::vector<std::uint64_t> cells{0, 1, 0};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.cells[0], shown(0));
    EXPECT_EQ(g.cells[1], kRedacted);
    EXPECT_EQ(g.cells[2], shown(0));
    EXPECT_EQ(g.total, kRedacted);
}

TEST(ControlGroup, ATotalThatWouldRevealTheOneRedactedCellSuppressesASecond) {
    // 3 + 20 = 23 -> total 25 shown, 20 shown: 25 - 20 would expose the 3 (give or take rounding).
    const std::vector<std::uint64_t> cells{3, 20};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.total, shown(25));
    EXPECT_EQ(g.cells[0], kRedacted);
    EXPECT_EQ(g.cells[1], kRedacted);
}

TEST(ControlGroup, TheSecondSuppressionTakesTheSmallestNonZeroCell) {
    const std::vector<std::uint64_t> cells{40, 0, 5, 12, 30};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.total, shown(85));  // 87
    EXPECT_EQ(g.cells[0], shown(40));
    EXPECT_EQ(g.cells[1], shown(0));  // a zero is never suppressed
    EXPECT_EQ(g.cells[2], kRedacted);
    EXPECT_EQ(g.cells[3], kRedacted);  // 12: the smallest other non-zero cell
    EXPECT_EQ(g.cells[4], shown(30));
}

TEST(ControlGroup, TwoRedactedCellsAlreadyProtectEachOther) {
    const std::vector<std::uint64_t> cells{2, 6, 50};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.total, shown(60));  // 58
    EXPECT_EQ(g.cells[0], kRedacted);
    EXPECT_EQ(g.cells[1], kRedacted);
    EXPECT_EQ(g.cells[2], shown(50));
}

TEST(ControlGroup, RedactedCellsUnderARedactedTotalNeedNothingMore) {
    const std::vector<std::uint64_t> cells{3, 0, 4};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.total, kRedacted);
    EXPECT_EQ(g.cells[0], kRedacted);
    EXPECT_EQ(g.cells[1], shown(0));
    EXPECT_EQ(g.cells[2], kRedacted);
}

TEST(ControlGroup, SmallCellsCanAddUpToAShownTotal) {
    // Each 4 is redacted, yet together they are 12: the total is shown, no cell is recoverable.
    const std::vector<std::uint64_t> cells{4, 4, 4};
    const ControlledGroup g = control_group(cells);
    EXPECT_EQ(g.total, shown(10));
    for (const auto& c : g.cells) EXPECT_EQ(c, kRedacted);
}

TEST(ControlGroup, NoGroupEverShowsExactlyOneRedactedCellBesideAShownTotal) {
    // Exhaustive over small three-cell groups: the invariant the secondary suppression exists for.
    for (std::uint64_t a = 0; a <= 25; ++a) {
        for (std::uint64_t b = 0; b <= 25; ++b) {
            for (std::uint64_t c = 0; c <= 25; ++c) {
                const std::vector<std::uint64_t> cells{a, b, c};
                const ControlledGroup g = control_group(cells);
                if (g.total.redacted || g.total.value == 0) continue;
                int redacted = 0;
                for (const auto& cell : g.cells) redacted += cell.redacted ? 1 : 0;
                ASSERT_NE(redacted, 1) << a << "," << b << "," << c;
            }
        }
    }
}

TEST(ControlledSum, ShownValuesAddAndRedactedPartsAreCountedApart) {
    ControlledSum sum;
    add_to(sum, shown(10));
    add_to(sum, kRedacted);
    add_to(sum, shown(25));
    add_to(sum, kRedacted);
    add_to(sum, shown(0));
    EXPECT_EQ(sum.shown, 35u);
    EXPECT_EQ(sum.redacted_parts, 2u);
}

}  // namespace
}  // namespace gpwatch::reporting
