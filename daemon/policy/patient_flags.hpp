#pragma once
// Patient flags: what the practice must know about a patient before a write reaches them.
// Set and cleared by patient.flags events and by codes seen in writes, through code sets:
//   opt-out                        sets   type1_opt_out  (e.g. 827241000000103)
//   online-access                  sets   online_access  (the feed's urn:gpwatch:flag online-access)
//   online-access-declined         clears online_access  (1290331000000103)
//   enhanced-review                sets   enhanced_review (1364731000000104: review before access)
//   enhanced-review-not-indicated  clears enhanced_review (1364751000000106)
// patient.flags "removed" clears the flag a code sets. A code set that is not loaded sets nothing.

#include <string>
#include <unordered_set>
#include <vector>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"

namespace gpwatch::policy {

enum class PatientFlag { type1_opt_out, enhanced_review, online_access };

const char* to_string(PatientFlag f);

struct PatientFlags {
    bool type1_opt_out = false;
    bool enhanced_review = false;
    bool online_access = false;

    // The record is visible in the NHS App: prospective access on, and no enhanced review pending.
    bool visible_online() const { return online_access && !enhanced_review; }
    void apply(PatientFlag f, bool on);
};

struct FlagChange {
    PatientFlag flag = PatientFlag::online_access;
    bool on = false;
};

// The flag code sets, looked up once per settings load.
class FlagCodes {
public:
    explicit FlagCodes(const Settings& settings);
    // Changes a patient.flags event makes (added codes set, removed codes clear).
    std::vector<FlagChange> from_flags_event(const RecordEvent& ev) const;
    // Changes the codes written in an entry make.
    std::vector<FlagChange> from_write(const RecordEvent& ev) const;

private:
    void changes_for(const Coding& c, bool added, std::vector<FlagChange>& out) const;
    struct Set {
        std::unordered_set<std::string> codes;
        PatientFlag flag;
        bool sets;  // true: the code sets the flag; false: it clears it
    };
    std::vector<Set> sets_;
};

}  // namespace gpwatch::policy
