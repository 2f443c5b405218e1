#include "daemon/reporting/incident_counts.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>

#include "daemon/ledger/report_ledger.hpp"

namespace gpwatch {

namespace {

// writes.author_org_type and author_ods are what the feed said: another system's text, kept
// verbatim in the ledger. Only values with the shape of an organisation type or an ODS code go
// into a report, so no name or free text a feed put there by mistake leaves the practice, and one
// odd value cannot get the whole week refused by the collector (which accepts these same shapes).
bool is_org_type_word(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
           });
}

bool is_ods_code(std::string_view s) {
    if (s.size() < 3 || s.size() > 10) return false;
    if (!std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }))
        return false;
    // Ten digits is an NHS number's shape: never let that out, whatever field it came in.
    return !(s.size() == 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }));
}

}  // namespace

RuleCategories rule_categories(const Settings& settings) {
    RuleCategories out;
    for (const auto& r : settings.rules) out[r.name] = r.category.empty() ? "uncategorised" : r.category;
    return out;
}

std::string content_rule_reason(const std::string& category) { return "content_rule:" + category; }

std::vector<IncidentCell> count_incidents(Ledger& ledger, std::int64_t start, std::int64_t end,
                                          bool per_writer_ods, const RuleCategories& categories) {
    // Keyed by the cell's dimensions, so rules of one category fall into one cell; the map's
    // order is the report's order.
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::uint64_t> cells;
    for (auto& row : ReportLedger(ledger).incident_rows(start, end, per_writer_ods)) {
        std::string reason = std::move(row.reason);
        if (reason == "content_rule") {
            auto it = categories.find(row.rule);
            reason = content_rule_reason(it != categories.end() ? it->second : "uncategorised");
        }
        if (!is_org_type_word(row.writer_org_type)) row.writer_org_type = "unknown";
        if (!is_ods_code(row.writer_ods)) row.writer_ods.clear();
        cells[{reason, row.feed, row.writer_org_type, row.writer_ods}] += row.count;
    }
    std::vector<IncidentCell> out;
    out.reserve(cells.size());
    for (auto& [key, count] : cells)
        out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), count});
    return out;
}

}  // namespace gpwatch
