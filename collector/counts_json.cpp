#include "collector/counts_json.hpp"

#include <boost/json.hpp>

namespace gpwatch::collector {

namespace {

boost::json::object cell_json(const Aggregate& a) {
    boost::json::object o;
    const bool redacted = !a.no_reports() && (a.only_redacted() || a.shown.redacted);
    // null for a redacted aggregate and for a week nobody reported (practices_reporting 0): a
    // 0 here always means practices reported and counted none.
    if (redacted || a.no_reports())
        o["value"] = nullptr;
    else
        o["value"] = a.shown.value;
    o["redacted"] = redacted;
    o["redacted_parts"] = a.redacted_parts;
    o["practices"] = a.practices;
    o["practices_reporting"] = a.practices_reporting;
    o["text"] = describe(a);
    return o;
}

}  // namespace

std::string counts_json(const CountsTable& table) {
    boost::json::array weeks;
    for (const auto& w : table.weeks) weeks.emplace_back(w);
    boost::json::array reasons;
    for (const auto& r : table.reasons) reasons.emplace_back(r);
    boost::json::array cells;
    for (const auto& reason : table.reasons)
        for (const auto& week : table.weeks) {
            auto o = cell_json(table.cell(reason, week));
            o["reason"] = reason;
            o["week"] = week;
            cells.emplace_back(std::move(o));
        }
    boost::json::array totals;
    for (const auto& week : table.weeks) {
        auto o = cell_json(table.week_total(week));
        o["week"] = week;
        totals.emplace_back(std::move(o));
    }
    return boost::json::serialize(boost::json::object{
        {"weeks", std::move(weeks)}, {"reasons", std::move(reasons)}, {"cells", std::move(cells)}, {"totals", std::move(totals)}});
}

}  // namespace gpwatch::collector
