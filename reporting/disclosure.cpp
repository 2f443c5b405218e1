#include "reporting/disclosure.hpp"

#include <algorithm>
#include <limits>
#include <optional>

namespace gpwatch::reporting {

ControlledCount control_count(std::uint64_t raw) {
    if (raw == 0) return {};
    if (raw <= kRedactedUpTo) return {.value = 0, .redacted = true};
    // Saturate first: rounding a wrapped value would publish nonsense. The cap is a multiple
    // of 5 so the result stays on the published grid.
    constexpr std::uint64_t cap =
        std::numeric_limits<std::uint32_t>::max() / kRoundTo * kRoundTo;
    const std::uint64_t bounded = std::min(raw, cap);
    // Nearest multiple of 5: remainders 0-2 round down, 3-4 round up (no integer sits halfway).
    const std::uint64_t rounded = (bounded + kRoundTo / 2) / kRoundTo * kRoundTo;
    return {.value = static_cast<std::uint32_t>(std::min(rounded, cap)), .redacted = false};
}

ControlledGroup control_group(std::span<const std::uint64_t> cells) {
    ControlledGroup group;
    group.cells.reserve(cells.size());
    std::uint64_t sum = 0;
    for (const std::uint64_t raw : cells) {
        group.cells.push_back(control_count(raw));
        sum = (sum > std::numeric_limits<std::uint64_t>::max() - raw)
                  ? std::numeric_limits<std::uint64_t>::max()
                  : sum + raw;
    }
    group.total = control_count(sum);

    const bool total_shown = !group.total.redacted && sum != 0;
    const auto redacted = std::count_if(group.cells.begin(), group.cells.end(),
                                        [](const ControlledCount& c) { return c.redacted; });
    if (!total_shown || redacted != 1) return group;

    // Exactly one redacted cell beside a shown total: hide the smallest other non-zero cell too,
    // so "total minus the rest" no longer isolates the redacted one.
    std::optional<std::size_t> smallest;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (group.cells[i].redacted || cells[i] == 0) continue;
        if (!smallest || cells[i] < cells[*smallest]) smallest = i;
    }
    if (smallest) group.cells[*smallest] = {.value = 0, .redacted = true};
    return group;
}

void add_to(ControlledSum& sum, const ControlledCount& part) {
    if (part.redacted) {
        ++sum.redacted_parts;
    } else {
        sum.shown += part.value;
    }
}

}  // namespace gpwatch::reporting
