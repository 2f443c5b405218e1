#include "daemon/settings/rule_checks.hpp"

#include <algorithm>

namespace gpwatch {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// Why the rule can never match, or empty.
std::string never_matches(const Settings& st, const ContentRule& r) {
    if (!r.organisations.empty() && std::all_of(r.organisations.begin(), r.organisations.end(),
                                                [&](const std::string& o) { return o == st.practice_ods; }))
        return "it names only the practice itself (" + st.practice_ods +
               "), and the practice's own writes are never checked";
    if (!r.codesets.empty() && std::all_of(r.codesets.begin(), r.codesets.end(), [&](const std::string& c) {
            const auto* set = st.find_codeset(c);
            return set && set->codes.empty();
        }))
        return "its code sets list no codes";
    // Update Record messages always arrive with route "update-record"; shared-record writes never do.
    if (!r.feeds.empty() && !r.routes.empty()) {
        const bool any = std::any_of(r.feeds.begin(), r.feeds.end(), [&](const std::string& f) {
            return std::any_of(r.routes.begin(), r.routes.end(), [&](const std::string& route) {
                return (f == "update_record") == (route == "update-record");
            });
        });
        if (!any)
            return "no feed it names carries any route it names (Update Record writes have route "
                   "update-record, "
                   "clinical-feed writes never do)";
    }
    if (r.feeds.size() == 1 && r.feeds[0] == "update_record" && !r.organisation_types.empty() &&
        !contains(r.organisation_types, "community-pharmacy"))
        return "Update Record writes come from community pharmacies only, and the rule names other types";
    if (r.feeds.size() == 1 && r.feeds[0] == "update_record" && !r.resource_types.empty() &&
        std::none_of(r.resource_types.begin(), r.resource_types.end(), [](const std::string& t) {
            return t == "Composition" || t == "Observation" || t == "MedicationDispense" ||
                   t == "Condition" || t == "Flag" || t == "AllergyIntolerance" ||
                   t == "ClinicalImpression" || t == "Encounter";
        }))
        return "Update Record messages carry no resource of the types it names";
    return {};
}

}  // namespace

void warn_rules_that_never_match(const Settings& st, std::vector<SettingsError>& warnings) {
    for (const auto& r : st.rules)
        if (auto why = never_matches(st, r); !why.empty())
            warnings.push_back({r.file, r.line, 0, "rules." + r.name, "this rule can never match: " + why});
    // Patient flags come from these code sets (daemon/policy/patient_flags.hpp): without them the
    // built-in visibility check is silently off, which an admin would not guess.
    if (st.codesets_dir.empty()) return;
    if (!st.find_codeset("online-access"))
        warnings.push_back(
            {st.codesets_dir, 0, 0, "codesets_dir",
             "no online-access.txt code set: patient_visible_before_review can never be raised "
             "(config/codesets/online-access.txt lists the feed's online-access flag)"});
    if (!st.find_codeset("enhanced-review"))
        warnings.push_back({st.codesets_dir, 0, 0, "codesets_dir",
                            "no enhanced-review.txt code set: a patient whose online access awaits enhanced "
                            "review will be treated as seeing new entries"});
}

}  // namespace gpwatch
