#include "proto/settings.hpp"

#include <cctype>

namespace gpwatch {

WorkingHours default_working_hours() {
    using namespace std::chrono_literals;
    WorkingHours h;
    for (int d = 0; d < 5; ++d) h.days[d] = DayHours{8h, 18h + 30min};
    return h;
}

const AllowedOrganisation* Settings::find_allowed(const std::string& ods) const {
    for (const auto& o : allowed)
        if (o.ods == ods) return &o;
    return nullptr;
}

const ProhibitedOrganisation* Settings::find_prohibited(const std::string& ods) const {
    for (const auto& o : prohibited)
        if (o.ods == ods) return &o;
    return nullptr;
}

const OrganisationTypeDefault* Settings::find_type(const std::string& type) const {
    for (const auto& t : organisation_types)
        if (t.type == type) return &t;
    return nullptr;
}

const CodeSet* Settings::find_codeset(const std::string& name) const {
    for (const auto& c : codesets)
        if (c.name == name) return &c;
    return nullptr;
}

std::string WordTables::record_type(const std::string& t) const {
    if (const auto it = record_types.find(t); it != record_types.end()) return it->second;
    // Not in the table: FHIR's CamelCase name split into words, so a subject never shows a
    // run-together "documentreference".
    std::string words;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(t[i]);
        if (std::isupper(c) && i > 0 && std::islower(static_cast<unsigned char>(t[i - 1]))) words += ' ';
        words += static_cast<char>(std::tolower(c));
    }
    return words;
}

std::string WordTables::job_role(const std::string& code) const {
    if (code.empty()) return "";
    const auto it = job_roles.find(code);
    return it == job_roles.end() ? "role " + code : it->second;
}

}  // namespace gpwatch
