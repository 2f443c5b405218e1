#pragma once
// Aggregates: incident counts per reason per ISO week across practices, as the LMC sees them.
// Only the latest revision of each (practice, period) counts. A practice's figure for a reason is
// its controlled ReasonTotal (or, when a report carries no total for a reason, the sum of its
// controlled cells). Figures are summed as reporting::ControlledSum — shown values add up, each
// redacted figure is an unknown 1 to 7 kept apart as a "redacted part" — and the disclosure rule
// is applied again to every aggregate (reporting::control_count, and control_group for the
// per-week totals shown beside their cells). A redacted figure never becomes a number.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collector/report_store.hpp"
#include "reporting/disclosure.hpp"

namespace gpwatch::collector {

// One aggregate as shown: `shown` is the controlled sum of the shown parts; `redacted_parts`
// how many practices' figures were redacted (each 1 to 7, never added in).
struct Aggregate {
    reporting::ControlledCount shown;
    std::uint32_t redacted_parts = 0;
    std::uint32_t practices = 0;  // practices whose latest report for the week names this reason

    // Nothing shown and something redacted: the cell is "redacted", with no number at all.
    bool only_redacted() const { return shown.value == 0 && redacted_parts > 0; }
};

struct CountsTable {
    std::vector<std::string> weeks;    // in order, every week of the range
    std::vector<std::string> reasons;  // sorted
    std::map<std::pair<std::string, std::string>, Aggregate> cells;  // (reason, week) -> aggregate
    std::map<std::string, Aggregate> week_totals;                    // week -> all reasons
    std::map<std::string, std::uint32_t> practices_reporting;        // week -> practices with a report

    // The cell, or a zero aggregate when no practice reported that reason that week.
    Aggregate cell(const std::string& reason, const std::string& week) const;
};

// Builds the table over `weeks` from the store's rows (rows of older revisions are ignored, even
// if given). Rows of weeks not in `weeks` are ignored.
CountsTable aggregate_counts(const std::vector<std::string>& weeks, const std::vector<ReportRef>& reports,
                             const std::vector<TotalRow>& totals, const std::vector<CountRow>& counts);

// The aggregate in words for a table cell or CSV: "30", "redacted", or "10 + 2 redacted".
std::string describe(const Aggregate& a);

}  // namespace gpwatch::collector
