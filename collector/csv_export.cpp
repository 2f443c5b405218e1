#include "collector/csv_export.hpp"

namespace gpwatch::collector {

namespace {

// Reasons are [a-z0-9_:]; quoting anyway keeps the file valid whatever a practice sent, and a
// leading =, +, - or @ is defused so a spreadsheet never evaluates a cell as a formula.
std::string field(const std::string& s) {
    std::string text = s;
    if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@')) text.insert(0, "'");
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string row(const std::string& week, const std::string& reason, const Aggregate& a) {
    // Empty when nobody reported the week: a spreadsheet then sees a blank, not a 0.
    const std::string value = a.no_reports()                         ? std::string()
                              : a.only_redacted() || a.shown.redacted ? std::string("redacted")
                                                                      : std::to_string(a.shown.value);
    return field(week) + "," + field(reason) + "," + value + "," + std::to_string(a.redacted_parts) + "," +
           std::to_string(a.practices) + "\r\n";
}

}  // namespace

std::string csv_export(const CountsTable& table) {
    std::string out = "period,reason,value,redacted_parts,practices\r\n";
    for (const auto& week : table.weeks) {
        for (const auto& reason : table.reasons) out += row(week, reason, table.cell(reason, week));
        out += row(week, "all reasons", table.week_total(week));
    }
    return out;
}

}  // namespace gpwatch::collector
