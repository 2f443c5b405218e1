#include "sim/clinical/clinical_catalogue.hpp"

namespace gpwatch::sim {

namespace {

ResourceTemplate coded(std::string type, std::string code, std::string display, std::vector<std::string> org_types,
                       double nopat = 0) {
    ResourceTemplate t;
    t.resource_type = std::move(type);
    t.code = std::move(code);
    t.display = std::move(display);
    t.org_types = std::move(org_types);
    t.nopat = nopat;
    return t;
}

ResourceTemplate vital(std::string code, std::string display, std::vector<std::string> org_types, std::string unit,
                       double low, double high) {
    ResourceTemplate t = coded("Observation", std::move(code), std::move(display), std::move(org_types));
    t.unit = std::move(unit);
    t.low = low;
    t.high = high;
    return t;
}

ResourceTemplate medicine(std::string code, std::string display, std::vector<std::string> org_types,
                          std::string dosage, double nopat = 0) {
    ResourceTemplate t = coded("MedicationStatement", std::move(code), std::move(display), std::move(org_types), nopat);
    t.dosage = std::move(dosage);
    return t;
}

}  // namespace

std::vector<Writer> clinical_writers(const std::string& practice_ods) {
    // Shares as in the brief: the practice's own users ~30 %, then the outside writers. RW1 is
    // prohibited in the example settings and NTV21 is not listed there: both must show up.
    return {
        {practice_ods, practice_ods == "C84001" ? "Example Medical Practice" : "GP practice " + practice_ods,
         kPracticeOrgType, 30, {"R0260", "R8000", "R8003"}},
        {"RT5", "Leicestershire Partnership NHS Trust", "mental-health-trust", 15, {"R8000", "R8003", "R0260"}},
        {"RY5", "Lincolnshire Community Health Services NHS Trust", "community-trust", 18, {"R8000", "R8001", "R8003"}},
        {"NQT11", "DHU Health Care (out of hours)", "out-of-hours", 12, {"R0260", "R8000"}},
        {"NTV21", "NHS 111 Leicestershire", "111", 8, {"R8000", "R8003"}},
        {"NHC04", "LOROS Hospice", "hospice", 7, {"R8000", "R8001"}},
        {"RW1", "Midlands Community Care NHS Trust", "community-trust", 5, {"R8000", "R8001"}},
    };
}

const std::vector<PracticeUser>& practice_users() {
    static const std::vector<PracticeUser> users = {
        {"u-0042", "R0260", "Example GP"},
        {"u-0057", "R0260", "Dr Priya Patel"},
        {"u-0061", "R0260", "Dr Tom Hughes"},
        {"u-0073", "R8000", "Sam Okafor (practice pharmacist)"},
        {"u-0088", "R8003", "Jo Reed (practice nurse)"},
    };
    return users;
}

const std::vector<ResourceTemplate>& resource_templates() {
    const std::string gp = kPracticeOrgType, mh = "mental-health-trust", ct = "community-trust",
                      ooh = "out-of-hours", nhs111 = "111", hos = "hospice";
    static const std::vector<ResourceTemplate> templates = {
        // Observations
        coded("Observation", "225368008", "Seen by community mental health team", {mh}, 0.15),
        vital("271649006", "Systolic blood pressure", {gp, ct, ooh, hos}, "mm[Hg]", 100, 175),
        vital("27113001", "Body weight", {gp, ct, hos}, "kg", 45, 120),
        vital("364075005", "Heart rate", {gp, ct, ooh}, "/min", 52, 112),
        vital("386725007", "Body temperature", {ooh, ct}, "Cel", 36.0, 39.5),
        vital("86290005", "Respiratory rate", {ooh, hos}, "/min", 12, 28),
        // Conditions
        coded("Condition", "35489007", "Depressive disorder", {mh, gp}, 0.2),
        coded("Condition", "21897009", "Generalized anxiety disorder", {mh, gp}, 0.1),
        coded("Condition", "44054006", "Diabetes mellitus type 2", {gp, ct}),
        coded("Condition", "38341003", "Hypertensive disorder", {gp}),
        coded("Condition", "399912005", "Pressure ulcer", {ct, hos}),
        coded("Condition", "68566005", "Urinary tract infectious disease", {ooh, nhs111, ct}),
        coded("Condition", "195662009", "Acute viral pharyngitis", {ooh, nhs111}),
        coded("Condition", "161898004", "Falls", {ct}),
        // Medicines
        medicine("372594008", "Sertraline", {mh, gp}, "50 mg once daily", 0),
        medicine("386849001", "Olanzapine", {mh}, "5 mg at night", 0.1),
        medicine("372687004", "Amoxicillin", {ooh}, "500 mg three times a day for 5 days", 0),
        medicine("373529000", "Morphine", {hos}, "2.5 mg to 5 mg subcutaneously when required", 0),
        medicine("372567009", "Metformin", {gp}, "500 mg twice daily", 0),
        // Encounters
        coded("Encounter", "11429006", "Consultation", {gp, mh, ct, ooh, hos}),
        coded("Encounter", "185317003", "Telephone encounter", {nhs111, ooh, mh}),
        coded("Encounter", "439708006", "Home visit", {ct, hos, ooh}),
        // Documents
        coded("DocumentReference", "371530004", "Clinical consultation report", {ooh, nhs111, mh}, 0.1),
        coded("DocumentReference", "373942005", "Discharge summary", {hos, mh}),
        coded("DocumentReference", "734163000", "Care plan", {ct, hos, mh}, 0.1),
        // Requests
        coded("ProcedureRequest", "26604007", "Complete blood count", {gp, ct}),
        coded("ProcedureRequest", "43396009", "Hemoglobin A1c measurement", {gp, ct}),
        coded("ReferralRequest", "183524004", "Referral to psychiatry service", {mh, gp}, 0.3),
        coded("ReferralRequest", "306206005", "Referral to service", {ct, ooh, nhs111}),
        // Flags and allergies
        coded("Flag", "225444004", "At risk for suicide", {mh}, 0.7),
        coded("Flag", "129839007", "At risk for falls", {ct, hos}),
        coded("Flag", "304253006", "Not for resuscitation", {hos}),
        coded("AllergyIntolerance", "91936005", "Allergy to penicillin", {gp, ooh, ct}),
        coded("AllergyIntolerance", "300913006", "Shellfish allergy", {gp}),
    };
    return templates;
}

}  // namespace gpwatch::sim
