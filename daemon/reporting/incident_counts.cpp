#include "daemon/reporting/incident_counts.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>

namespace gpwatch {

namespace {

// A write counts in the week it was written, or, when its time could not be right, the week it
// arrived (writes.trusted_at; the expression is the one the writes_trusted_time index is on).
// One GROUP BY over verdicts joined to writes, plus the writes whose NHS number failed its check.
// content_rule verdicts are grouped by rule here and merged by category below: several rules may
// share a category, and the mapping lives in the settings, not the ledger.
// Only organisation-level columns are read: never nhs_number, author_name, author_user_*,
// upstream_id, codes or detail.
constexpr const char* kCountSql = R"sql(
    SELECT v.reason,
           CASE WHEN v.reason = 'content_rule' THEN v.rule ELSE '' END,
           w.feed,
           CASE WHEN w.author_org_type = '' THEN 'unknown' ELSE w.author_org_type END,
           CASE WHEN ?3 THEN w.author_ods ELSE '' END,
           count(*)
    FROM verdicts v JOIN writes w ON w.id = v.write_id
    WHERE coalesce(w.trusted_at, w.written_at) >= ?1 AND coalesce(w.trusted_at, w.written_at) < ?2
      AND v.reason NOT IN ('review_tracked', 'not_update_record', 'unreviewed_escalated')
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 'invalid_nhs_number', '',
           w.feed,
           CASE WHEN w.author_org_type = '' THEN 'unknown' ELSE w.author_org_type END,
           CASE WHEN ?3 THEN w.author_ods ELSE '' END,
           count(*)
    FROM writes w
    WHERE coalesce(w.trusted_at, w.written_at) >= ?1 AND coalesce(w.trusted_at, w.written_at) < ?2
      AND w.nhs_number_valid = 0
      AND w.review_state <> 'quarantined' AND w.review_state NOT LIKE 'drift-%'
    GROUP BY 1, 2, 3, 4, 5
)sql";

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
    auto st = ledger.connection().prepare(kCountSql);
    st.bind(1, start).bind(2, end).bind(3, std::int64_t{per_writer_ods ? 1 : 0});
    // Keyed by the cell's dimensions, so rules of one category fall into one cell; the map's
    // order is the report's order.
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::uint64_t> cells;
    while (st.step()) {
        std::string reason = st.text(0);
        if (reason == "content_rule") {
            auto it = categories.find(st.text(1));
            reason = content_rule_reason(it != categories.end() ? it->second : "uncategorised");
        }
        std::string org_type = st.text(3);
        if (!is_org_type_word(org_type)) org_type = "unknown";
        std::string ods = st.text(4);
        if (!is_ods_code(ods)) ods.clear();
        cells[{reason, st.text(2), org_type, ods}] += static_cast<std::uint64_t>(st.int64(5));
    }
    st.reset();
    std::vector<IncidentCell> out;
    out.reserve(cells.size());
    for (auto& [key, count] : cells)
        out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), count});
    return out;
}

}  // namespace gpwatch
