#include "proto/settings.hpp"

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
    const auto it = record_types.find(t);
    return it == record_types.end() ? t : it->second;
}

std::string WordTables::job_role(const std::string& code) const {
    if (code.empty()) return "";
    const auto it = job_roles.find(code);
    return it == job_roles.end() ? "role " + code : it->second;
}

}  // namespace gpwatch
