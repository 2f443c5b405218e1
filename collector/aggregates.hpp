#pragma once
// Aggregates: incident counts per reason per ISO week across practices, as the LMC sees them.
// Only the latest revision of each (practice, period) counts. A practice's figure for a reason is
// its controlled ReasonTotal (or, when a report carries no total for a reason, the sum of its
// controlled cells). Figures are summed as reporting::ControlledSum — shown values add up, each
// redacted figure is an unknown 1 to 7 kept apart as a "redacted part" — and the disclosure rule
// is applied again to every aggregate (reporting::control_count, and control_group for the
// per-week totals shown beside their cells). A redacted figure never becomes a number.
//
// A week in which no practice sent a report has no data, which is not the same as 0: 0 means
// practices reported and counted nothing. Every aggregate carries how many practices reported
// that week, and one of 0 is shown as "no reports", never as a number.

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
    // Practices with a report for the week at all (naming this reason or not). The default, 0,
    // makes an aggregate of nothing "no reports" rather than a 0 nobody sent.
    std::uint32_t practices_reporting = 0;

    // Nothing shown and something redacted: the cell is "redacted", with no number at all.
    bool only_redacted() const { return shown.value == 0 && redacted_parts > 0; }
    // No practice reported the week: there is no figure, not even 0.
    bool no_reports() const { return practices_reporting == 0; }
};

struct CountsTable {
    std::vector<std::string> weeks;    // in order, every week of the range
    std::vector<std::string> reasons;  // sorted
    std::map<std::pair<std::string, std::string>, Aggregate> cells;  // (reason, week) -> aggregate
    std::map<std::string, Aggregate> week_totals;                    // week -> all reasons
    std::map<std::string, std::uint32_t> practices_reporting;        // week -> practices with a report

    // The cell; when no practice named that reason that week, a zero aggregate if some practice
    // reported the week, or a "no reports" one if none did.
    Aggregate cell(const std::string& reason, const std::string& week) const;
    // The week's total over reasons, "no reports" for a week outside the table.
    Aggregate week_total(const std::string& week) const;
    std::uint32_t reporting(const std::string& week) const;
};

// Builds the table over `weeks` from the store's rows (rows of older revisions are ignored, even
// if given). Rows of weeks not in `weeks` are ignored.
CountsTable aggregate_counts(const std::vector<std::string>& weeks, const std::vector<ReportRef>& reports,
                             const std::vector<TotalRow>& totals, const std::vector<CountRow>& counts);

// The aggregate in words for a table cell: "30", "0", "redacted", "10 + 2 redacted", or
// "no reports" when no practice reported the week.
std::string describe(const Aggregate& a);

}  // namespace gpwatch::collector
