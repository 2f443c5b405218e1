#pragma once
// Disclosure control: the one rule every count passes before it leaves a practice, and again
// before the LMC's collector shows any aggregate. The rule is OpenSAFELY's for NHS GP data
// (docs/domain.md, "Local Medical Committee"):
//   0 stays 0; 1 to 7 is redacted; everything else is rounded to the nearest 5.
// Counts shown together with their total are controlled as a group: a lone redacted cell could be
// recovered as the total minus the other cells, so a second cell is suppressed with it.
// This file and disclosure.cpp own that rule; nothing else applies it by hand.

#include <cstdint>
#include <span>
#include <vector>

namespace gpwatch::reporting {

// The largest count that is redacted rather than shown.
inline constexpr std::uint64_t kRedactedUpTo = 7;
// Shown counts are rounded to a multiple of this.
inline constexpr std::uint64_t kRoundTo = 5;

struct ControlledCount {
    std::uint32_t value = 0;  // 0, or a multiple of 5 of at least 10; 0 when redacted
    bool redacted = false;    // the true count was 1 to 7, or it was suppressed to protect another

    friend bool operator==(const ControlledCount&, const ControlledCount&) = default;
};

// The rule for one count on its own. Counts beyond what a uint32 holds saturate before rounding
// (no practice sees four billion incidents a week; the point is not to wrap).
ControlledCount control_count(std::uint64_t raw);

struct ControlledGroup {
    std::vector<ControlledCount> cells;  // in the order given
    ControlledCount total;               // the controlled sum of the raw cells
};

// Controls cells that are published beside their total. Each cell and the total get the rule
// above; then, when the total is shown and exactly one cell is redacted, the smallest other cell
// that is not zero is suppressed too (ties: the first), so subtraction reveals nothing.
// A zero is never suppressed: it is exact information that gives no one away, and a group with
// one redacted cell always has another non-zero cell when its total is shown (else the total
// would equal the redacted cell, and be redacted itself).
ControlledGroup control_group(std::span<const std::uint64_t> cells);

// Sums controlled counts from several sources (the collector's aggregate over practices):
// the shown values add up, a redacted source adds an unknown 1 to 7 and is counted apart.
struct ControlledSum {
    std::uint64_t shown = 0;          // sum of the values that were shown
    std::uint32_t redacted_parts = 0; // how many sources were redacted
};
void add_to(ControlledSum& sum, const ControlledCount& part);

}  // namespace gpwatch::reporting
