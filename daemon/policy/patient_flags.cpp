#include "daemon/policy/patient_flags.hpp"

namespace gpwatch::policy {

const char* to_string(PatientFlag f) {
    switch (f) {
        case PatientFlag::type1_opt_out: return "type1_opt_out";
        case PatientFlag::enhanced_review: return "enhanced_review";
        case PatientFlag::online_access: return "online_access";
    }
    return "?";
}

void PatientFlags::apply(PatientFlag f, bool on) {
    switch (f) {
        case PatientFlag::type1_opt_out: type1_opt_out = on; break;
        case PatientFlag::enhanced_review: enhanced_review = on; break;
        case PatientFlag::online_access: online_access = on; break;
    }
}

FlagCodes::FlagCodes(const Settings& settings) {
    struct Def {
        const char* codeset;
        PatientFlag flag;
        bool sets;
    };
    static const Def kDefs[] = {
        {"opt-out", PatientFlag::type1_opt_out, true},
        {"online-access", PatientFlag::online_access, true},
        {"online-access-declined", PatientFlag::online_access, false},
        {"enhanced-review", PatientFlag::enhanced_review, true},
        {"enhanced-review-not-indicated", PatientFlag::enhanced_review, false},
    };
    for (const auto& d : kDefs)
        if (const auto* set = settings.find_codeset(d.codeset))
            sets_.push_back({{set->codes.begin(), set->codes.end()}, d.flag, d.sets});
}

void FlagCodes::changes_for(const Coding& c, bool added, std::vector<FlagChange>& out) const {
    for (const auto& s : sets_)
        if (s.codes.count(c.code)) {
            // Removing a code that sets a flag clears it; removing one that clears it changes nothing.
            if (added) out.push_back({s.flag, s.sets});
            else if (s.sets) out.push_back({s.flag, false});
        }
}

std::vector<FlagChange> FlagCodes::from_flags_event(const RecordEvent& ev) const {
    std::vector<FlagChange> out;
    for (const auto& c : ev.flags_removed) changes_for(c, false, out);
    for (const auto& c : ev.flags_added) changes_for(c, true, out);
    return out;
}

std::vector<FlagChange> FlagCodes::from_write(const RecordEvent& ev) const {
    std::vector<FlagChange> out;
    if (sets_.empty()) return out;
    for (const auto* codes : {&ev.codes, &ev.flags})
        for (const auto& c : *codes) changes_for(c, true, out);
    return out;
}

}  // namespace gpwatch::policy
