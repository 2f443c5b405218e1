#include "collector/counts_json.hpp"

#include <boost/json.hpp>

namespace gpwatch::collector {

namespace {

boost::json::object cell_json(const Aggregate& a) {
    boost::json::object o;
    const bool redacted = a.only_redacted() || a.shown.redacted;
    if (redacted)
        o["value"] = nullptr;
    else
        o["value"] = a.shown.value;
    o["redacted"] = redacted;
    o["redacted_parts"] = a.redacted_parts;
    o["practices"] = a.practices;
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
        const auto it = table.week_totals.find(week);
        auto o = cell_json(it == table.week_totals.end() ? Aggregate{} : it->second);
        o["week"] = week;
        o["practices"] = table.practices_reporting.count(week) ? table.practices_reporting.at(week) : 0u;
        totals.emplace_back(std::move(o));
    }
    return boost::json::serialize(boost::json::object{
        {"weeks", std::move(weeks)}, {"reasons", std::move(reasons)}, {"cells", std::move(cells)}, {"totals", std::move(totals)}});
}

}  // namespace gpwatch::collector
