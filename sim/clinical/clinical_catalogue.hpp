#pragma once
// The clinical simulator's cast and vocabulary: who writes into the practice's shared record,
// how often, who reviews, and what they write (FHIR STU3 resource kinds with SNOMED CT codes).
// Pure data; ClinicalTraffic draws from it.

#include <string>
#include <vector>

namespace gpwatch::sim {

struct Writer {
    std::string ods;
    std::string name;
    std::string org_type;                  // also the tag that picks its resource templates
    double share = 0;                      // relative weight among all writes
    std::vector<std::string> user_roles;   // national RBAC job role codes its users carry
};

struct PracticeUser {
    std::string user_id;
    std::string user_role;
    std::string name;
};

struct ResourceTemplate {
    std::string resource_type;             // Observation, Condition, …
    std::string code;                      // SNOMED CT concept id
    std::string display;
    std::vector<std::string> org_types;    // writer kinds that plausibly write it
    double nopat = 0;                      // chance it carries meta.security NOPAT
    // Observations with a value (vital signs): UCUM unit and plausible range.
    std::string unit;
    double low = 0;
    double high = 0;
    // MedicationStatement: dosage text.
    std::string dosage;
};

inline constexpr const char* kSnomed = "http://snomed.info/sct";
inline constexpr const char* kPracticeOrgType = "gp-practice";

// The third-party writers, plus the practice itself first (its ods/name filled in by the caller).
std::vector<Writer> clinical_writers(const std::string& practice_ods);

// Users of the practice: they write its own entries and review (file or reject) third-party ones.
const std::vector<PracticeUser>& practice_users();

const std::vector<ResourceTemplate>& resource_templates();

}  // namespace gpwatch::sim
