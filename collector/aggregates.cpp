#include "collector/aggregates.hpp"

#include <set>
#include <tuple>

namespace gpwatch::collector {

namespace {

using ReportKey = std::pair<std::string, std::string>;  // (practice, period)

// The latest revision of each (practice, period) among everything given.
std::map<ReportKey, std::uint32_t> latest_revisions(const std::vector<ReportRef>& reports,
                                                    const std::vector<TotalRow>& totals,
                                                    const std::vector<CountRow>& counts) {
    std::map<ReportKey, std::uint32_t> latest;
    auto note = [&](const std::string& practice, const std::string& period, std::uint32_t revision) {
        auto& r = latest[{practice, period}];
        r = std::max(r, revision);
    };
    for (const auto& r : reports) note(r.practice, r.period, r.revision);
    for (const auto& t : totals) note(t.practice, t.period, t.revision);
    for (const auto& c : counts) note(c.practice, c.period, c.revision);
    return latest;
}

}  // namespace

std::uint32_t CountsTable::reporting(const std::string& week) const {
    const auto it = practices_reporting.find(week);
    return it == practices_reporting.end() ? 0 : it->second;
}

Aggregate CountsTable::cell(const std::string& reason, const std::string& week) const {
    if (const auto it = cells.find({reason, week}); it != cells.end()) return it->second;
    Aggregate none;  // reported practices counted none of it (0), or nobody reported (no data)
    none.practices_reporting = reporting(week);
    return none;
}

Aggregate CountsTable::week_total(const std::string& week) const {
    const auto it = week_totals.find(week);
    return it == week_totals.end() ? Aggregate{} : it->second;
}

CountsTable aggregate_counts(const std::vector<std::string>& weeks, const std::vector<ReportRef>& reports,
                             const std::vector<TotalRow>& totals, const std::vector<CountRow>& counts) {
    CountsTable table;
    table.weeks = weeks;
    const std::set<std::string> in_range(weeks.begin(), weeks.end());
    const auto latest = latest_revisions(reports, totals, counts);
    auto is_latest = [&](const std::string& practice, const std::string& period, std::uint32_t revision) {
        return in_range.count(period) && latest.at({practice, period}) == revision;
    };

    // Each practice's figure per (period, reason): its total when it sent one, else its cells summed.
    using FigureKey = std::tuple<std::string, std::string, std::string>;  // (period, reason, practice)
    std::map<FigureKey, reporting::ControlledSum> figures;
    std::set<FigureKey> from_total;
    for (const auto& t : totals) {
        if (!is_latest(t.practice, t.period, t.revision)) continue;
        const FigureKey key{t.period, t.reason, t.practice};
        from_total.insert(key);
        reporting::add_to(figures[key], reporting::ControlledCount{t.value, t.redacted});
    }
    for (const auto& c : counts) {
        if (!is_latest(c.practice, c.period, c.revision)) continue;
        const FigureKey key{c.period, c.reason, c.practice};
        if (from_total.count(key)) continue;
        reporting::add_to(figures[key], reporting::ControlledCount{c.value, c.redacted});
    }
    for (const auto& [key, _] : latest)
        if (in_range.count(key.second)) ++table.practices_reporting[key.second];

    // Across practices: shown parts add up; redacted parts are counted, never valued.
    std::map<std::pair<std::string, std::string>, reporting::ControlledSum> sums;  // (reason, week)
    std::set<std::string> reasons;
    for (const auto& [key, figure] : figures) {
        const auto& [period, reason, practice] = key;
        reasons.insert(reason);
        auto& sum = sums[{reason, period}];
        sum.shown += figure.shown;
        // A practice's figure that was itself a sum of cells with a redacted one is one unknown
        // part per redacted cell; a redacted total is one unknown part.
        sum.redacted_parts += figure.redacted_parts;
        ++table.cells[{reason, period}].practices;
    }
    table.reasons.assign(reasons.begin(), reasons.end());
    for (auto& [key, sum] : sums) {
        auto& cell = table.cells[key];
        cell.shown = reporting::control_count(sum.shown);
        cell.redacted_parts = sum.redacted_parts;
        cell.practices_reporting = table.reporting(key.second);
    }

    // Per-week totals over reasons, controlled as a group with their cells.
    for (const auto& week : weeks) {
        std::vector<std::uint64_t> shown;
        std::uint32_t redacted_parts = 0;
        for (const auto& reason : table.reasons) {
            const Aggregate a = table.cell(reason, week);
            shown.push_back(a.shown.value);
            redacted_parts += a.redacted_parts;
        }
        Aggregate total;
        total.shown = reporting::control_group(shown).total;
        total.redacted_parts = redacted_parts;
        // For the total, the practices "naming a reason" are all that reported the week.
        total.practices = total.practices_reporting = table.reporting(week);
        table.week_totals[week] = total;
    }
    return table;
}

std::string describe(const Aggregate& a) {
    if (a.no_reports()) return "no reports";
    if (a.only_redacted()) return "redacted";
    if (a.shown.redacted) return "redacted";
    std::string s = std::to_string(a.shown.value);
    if (a.redacted_parts > 0) s += " + " + std::to_string(a.redacted_parts) + " redacted";
    return s;
}

}  // namespace gpwatch::collector
