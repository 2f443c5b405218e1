#include "sim/clinical/fhir_resource.hpp"

#include <cmath>

#include <boost/json/array.hpp>

#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

namespace json = boost::json;

namespace {

json::object codeable_concept(const ResourceTemplate& t) {
    return {{"coding", json::array{json::object{{"system", kSnomed}, {"code", t.code}, {"display", t.display}}}}};
}

json::object value_quantity(const ResourceTemplate& t, SimRandom& rng) {
    double v = rng.uniform(t.low, t.high);
    // Whole numbers for most vital signs, one decimal place for temperature.
    v = t.unit == "Cel" ? std::round(v * 10) / 10 : std::round(v);
    return {{"value", v}, {"unit", t.unit}, {"system", "http://unitsofmeasure.org"}, {"code", t.unit}};
}

}  // namespace

json::object nopat_meta() {
    return {{"security", json::array{json::object{{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"},
                                                  {"code", "NOPAT"}}}}};
}

json::object make_fhir_resource(const ResourceTemplate& t, SimRandom& rng, SysSeconds effective, bool nopat) {
    const std::string when = london_rfc3339(effective);
    json::object r;
    r["resourceType"] = t.resource_type;
    if (nopat) r["meta"] = nopat_meta();
    const std::string& type = t.resource_type;
    if (type == "Observation") {
        r["status"] = "final";
        r["code"] = codeable_concept(t);
        r["effectiveDateTime"] = when;
        if (!t.unit.empty()) r["valueQuantity"] = value_quantity(t, rng);
    } else if (type == "Condition") {
        r["clinicalStatus"] = "active";
        r["verificationStatus"] = rng.chance(0.8) ? "confirmed" : "provisional";
        r["code"] = codeable_concept(t);
        r["onsetDateTime"] = when;
        r["assertedDate"] = when;
    } else if (type == "MedicationStatement") {
        r["status"] = "active";
        r["medicationCodeableConcept"] = codeable_concept(t);
        r["effectiveDateTime"] = when;
        r["taken"] = "y";
        r["dosage"] = json::array{json::object{{"text", t.dosage}}};
    } else if (type == "Encounter") {
        r["status"] = "finished";
        r["type"] = json::array{codeable_concept(t)};
        r["period"] = json::object{{"start", when},
                                   {"end", london_rfc3339(effective + std::chrono::minutes(rng.between(5, 40)))}};
    } else if (type == "DocumentReference") {
        r["status"] = "current";
        r["type"] = codeable_concept(t);
        r["indexed"] = when;
        r["content"] = json::array{
            json::object{{"attachment", json::object{{"contentType", "application/pdf"}, {"title", t.display}}}}};
    } else if (type == "ProcedureRequest") {
        r["status"] = "active";
        r["intent"] = "order";
        r["code"] = codeable_concept(t);
        r["authoredOn"] = when;
    } else if (type == "ReferralRequest") {
        r["status"] = "active";
        r["intent"] = "order";
        r["priority"] = rng.chance(0.2) ? "urgent" : "routine";
        r["serviceRequested"] = json::array{codeable_concept(t)};
        r["authoredOn"] = when;
    } else if (type == "Flag") {
        r["status"] = "active";
        r["code"] = codeable_concept(t);
        r["period"] = json::object{{"start", when}};
    } else if (type == "AllergyIntolerance") {
        r["clinicalStatus"] = "active";
        r["verificationStatus"] = "confirmed";
        r["type"] = "allergy";
        r["category"] = json::array{t.code == "300913006" ? "food" : "medication"};
        r["code"] = codeable_concept(t);
        r["assertedDate"] = when;
    } else {
        r["code"] = codeable_concept(t);
    }
    return r;
}

}  // namespace gpwatch::sim
