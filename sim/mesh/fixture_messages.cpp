#include "sim/mesh/fixture_messages.hpp"

#include <fstream>
#include <stdexcept>
#include <utility>

namespace gpwatch::sim {

namespace {

constexpr const char* kSct = "http://snomed.info/sct";
constexpr const char* kDmd = "https://dmd.nhs.uk";
constexpr const char* kOds = "https://fhir.nhs.uk/Id/ods-organization-code";
constexpr const char* kNhsNumber = "https://fhir.nhs.uk/Id/nhs-number";
constexpr const char* kGphc = "https://fhir.hl7.org.uk/Id/gphc-number";
constexpr const char* kProfileBase = "https://fhir.nhs.uk/STU3/StructureDefinition/";
constexpr const char* kBundleIds = "https://fhir.provider.example/identifier/bundle";
constexpr const char* kUcum = "http://unitsofmeasure.org";

// Fixed uuids, one per role, so references are easy to follow.
constexpr const char* kHeader = "5f0c1a6e-0000-4000-8000-000000000001";
constexpr const char* kHeaderOrg = "5f0c1a6e-0000-4000-8000-000000000002";
constexpr const char* kDocument = "5f0c1a6e-0000-4000-8000-000000000003";
constexpr const char* kComposition = "5f0c1a6e-0000-4000-8000-000000000004";
constexpr const char* kEncounter = "5f0c1a6e-0000-4000-8000-000000000005";
constexpr const char* kOrg = "5f0c1a6e-0000-4000-8000-000000000006";
constexpr const char* kPractitioner = "5f0c1a6e-0000-4000-8000-000000000007";
constexpr const char* kRole = "5f0c1a6e-0000-4000-8000-000000000008";
constexpr const char* kPatient = "5f0c1a6e-0000-4000-8000-000000000009";

std::string urn(std::string_view id) { return "urn:uuid:" + std::string(id); }

FhirNode str(std::string name, std::string value) { return fhir_string(std::move(name), std::move(value)); }

FhirNode repeated_string(std::string name, std::string value) {
    FhirNode n = fhir_string(std::move(name), std::move(value));
    n.repeats = true;
    return n;
}

FhirNode ref(std::string name, std::string_view id, bool repeats = false) {
    return fhir_reference(std::move(name), urn(id), repeats);
}

FhirNode meta(std::string_view profile, std::vector<FhirNode> extra = {}) {
    FhirNode m = fhir_object("meta", {str("lastUpdated", "2026-11-02T10:15:00+00:00"),
                                      repeated_string("profile", kProfileBase + std::string(profile))});
    for (auto& e : extra) m.add(std::move(e));
    return m;
}

FhirNode nopat_security() {
    return fhir_list_item("security", {str("system", "http://hl7.org/fhir/v3/ActCode"), str("code", "NOPAT"),
                                       str("display", "no disclosure to patient, family or caregivers without "
                                                      "attending provider's authorization")});
}

FhirNode entry(std::string_view id, FhirNode resource) {
    return fhir_list_item("entry", {str("fullUrl", urn(id)), fhir_object("resource", {std::move(resource)})});
}

FhirNode quantity(std::string name, std::string value, std::string unit, std::string code) {
    return fhir_object(std::move(name), {fhir_number("value", std::move(value)), str("unit", std::move(unit)),
                                         str("system", kUcum), str("code", std::move(code))});
}

FhirNode observation(std::string_view id, std::string_view code, std::string_view display,
                     std::vector<FhirNode> value, bool vital_signs = true) {
    FhirNode r = fhir_resource(
        "Observation",
        {str("id", std::string(id)), meta("CareConnect-GPC-Observation-1"), str("status", "final"),
         fhir_codeable("category", "http://hl7.org/fhir/observation-category", vital_signs ? "vital-signs" : "exam",
                       vital_signs ? "Vital Signs" : "Exam", true),
         fhir_codeable("code", kSct, code, display), ref("subject", kPatient), ref("context", kEncounter),
         str("effectiveDateTime", "2026-11-02T10:05:00+00:00"), ref("performer", kPractitioner, true)});
    for (auto& v : value) r.add(std::move(v));
    return entry(id, std::move(r));
}

FhirNode bp_component(std::string_view code, std::string_view display, std::string value) {
    return fhir_list_item("component", {fhir_codeable("code", kSct, code, display),
                                        quantity("valueQuantity", std::move(value), "mmHg", "mm[Hg]")});
}

struct Medicine {
    const char* dmd;
    const char* name;
    const char* quantity;
    const char* unit;
    const char* days;
    const char* instruction;
};

FhirNode dispense(std::string_view id, const Medicine& m) {
    return entry(
        id, fhir_resource(
                "MedicationDispense",
                {str("id", std::string(id)), meta("CareConnect-GPC-MedicationDispense-1"), str("status", "completed"),
                 fhir_codeable("medicationCodeableConcept", kDmd, m.dmd, m.name), ref("subject", kPatient),
                 ref("context", kEncounter), fhir_list_item("performer", {ref("actor", kPractitioner)}),
                 fhir_codeable("type", "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-MedicationSupplyType-1",
                               "patient-group-direction", "Patient group direction"),
                 fhir_object("quantity", {fhir_number("value", m.quantity), str("unit", m.unit)}),
                 fhir_object("daysSupply", {fhir_number("value", m.days), str("unit", "day"), str("system", kUcum),
                                            str("code", "d")}),
                 str("whenHandedOver", "2026-11-02T10:10:00+00:00"),
                 fhir_list_item("dosageInstruction", {str("text", m.instruction)})}));
}

FhirNode condition(std::string_view id, std::string_view code, std::string_view display) {
    return entry(id, fhir_resource("Condition", {str("id", std::string(id)), meta("CareConnect-GPC-Condition-1"),
                                                 str("clinicalStatus", "active"), str("verificationStatus", "confirmed"),
                                                 fhir_codeable("code", kSct, code, display), ref("subject", kPatient),
                                                 ref("context", kEncounter), str("assertedDate", "2026-11-02")}));
}

FhirNode impression(std::string_view id, std::string summary) {
    return entry(id, fhir_resource("ClinicalImpression",
                                   {str("id", std::string(id)), meta("CareConnect-GPC-ClinicalImpression-1"),
                                    str("status", "completed"), ref("subject", kPatient), ref("context", kEncounter),
                                    str("date", "2026-11-02T10:05:00+00:00"), ref("assessor", kPractitioner),
                                    str("summary", std::move(summary))}));
}

FhirNode flag(std::string_view id, std::string_view code, std::string_view display) {
    return entry(id, fhir_resource("Flag", {str("id", std::string(id)), meta("CareConnect-Flag-1"),
                                            str("status", "active"), fhir_codeable("code", kSct, code, display),
                                            ref("subject", kPatient)}));
}

FhirNode allergy(std::string_view id, std::string_view code, std::string_view display) {
    return entry(id, fhir_resource("AllergyIntolerance",
                                   {str("id", std::string(id)), meta("CareConnect-GPC-AllergyIntolerance-1"),
                                    str("clinicalStatus", "active"), str("verificationStatus", "confirmed"),
                                    fhir_codeable("code", kSct, code, display), ref("patient", kPatient),
                                    str("assertedDate", "2026-11-02")}));
}

struct Service {
    const char* code;
    const char* display;
};

constexpr Service kPharmacyFirst{"1577041000000109", "Community Pharmacist Consultation Service for minor illness"};
constexpr Service kBpCheck{"1659111000000107", "Community Pharmacy Blood Pressure Check Service"};
constexpr Service kContraception{"1659121000000101", "Community Pharmacy Contraception Service"};

struct MessageSpec {
    std::string message_id;
    Service service;
    std::vector<FhirNode> clinical;  // document Bundle entries after the Patient
    const char* event_code = "ITK014M";
    const char* event_display = "ITK Update Record";
    const char* nhs_number = "9000000009";
    const char* ods = "FA123";
    const char* pharmacy = "Riverside Pharmacy";
    const char* mailbox = "FA123OT001";
    std::vector<FhirNode> composition_extra;  // after the Composition's title
    bool composition_nopat = false;
};

MessageSpec spec(std::string message_id, Service service) {
    MessageSpec s;
    s.message_id = std::move(message_id);
    s.service = service;
    return s;
}

FhirNode handling_extension(std::string url, FhirNode value) {
    return fhir_extension(std::move(url), {std::move(value)});
}

FhirNode message(MessageSpec s) {
    const FhirNode header = fhir_resource(
        "MessageHeader",
        {str("id", kHeader), meta("ITK-MessageHeader-2"),
         fhir_extension(std::string(kProfileBase) + "Extension-ITK-MessageHandling-2",
                        {handling_extension("BusAckRequested", fhir_boolean("valueBoolean", true)),
                         handling_extension("InfAckRequested", fhir_boolean("valueBoolean", true)),
                         handling_extension("RecipientType",
                                            fhir_object("valueCoding",
                                                        {str("system", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"),
                                                         str("code", "FI"), str("display", "For Information")})),
                         handling_extension("MessageDefinition",
                                            fhir_object("valueReference",
                                                        {str("reference", "https://fhir.nhs.uk/STU3/MessageDefinition/"
                                                                          "ITK-UpdateRecord-MessageDefinition-Instance-1")})),
                         handling_extension("SenderReference", str("valueString", urn(kEncounter))),
                         handling_extension("LocalExtension", str("valueString", "None"))}),
         fhir_object("event", {str("system", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"),
                               str("code", s.event_code), str("display", s.event_display)}),
         ref("sender", kHeaderOrg), str("timestamp", "2026-11-02T10:20:31.1234567+00:00"),
         fhir_object("source", {str("endpoint", s.mailbox)}), ref("focus", kDocument, true)});
    const FhirNode header_org = fhir_resource(
        "Organization", {str("id", kHeaderOrg), meta("CareConnect-ITK-Header-Organization-1"), fhir_identifier(kOds, s.ods)});

    FhirNode section = fhir_list_item("section", {str("title", "Consultation")});
    for (const char* id : {kEncounter, kOrg, kPractitioner, kRole, kPatient})
        section.add(fhir_list_item("entry", {str("reference", urn(id))}));
    for (const auto& c : s.clinical)  // each clinical entry's fullUrl
        section.add(fhir_list_item("entry", {str("reference", c.children.front().value)}));

    std::vector<FhirNode> security;
    if (s.composition_nopat) security.push_back(nopat_security());
    FhirNode composition = fhir_resource(
        "Composition",
        {str("id", kComposition), meta("CareConnect-Composition-1", std::move(security)),
         fhir_object("identifier",
                     {str("system", "https://fhir.provider.example/identifier/composition"), str("value", kComposition)}),
         str("status", "final"), fhir_codeable("type", kSct, s.service.code, s.service.display),
         ref("subject", kPatient), ref("encounter", kEncounter), str("date", "2026-11-02T10:20:00+00:00"),
         ref("author", kPractitioner, true), str("title", std::string(s.pharmacy) + " - " + s.service.display)});
    for (auto& e : s.composition_extra) composition.add(std::move(e));
    composition.add(std::move(section));

    FhirNode encounter = fhir_resource(
        "Encounter",
        {str("id", kEncounter), meta("CareConnect-GPC-Encounter-1"), str("status", "finished"),
         fhir_codeable("type", kSct, "307778003", "Seen in primary care establishment", true), ref("subject", kPatient),
         fhir_list_item("participant", {ref("individual", kPractitioner)}),
         fhir_object("period", {str("start", "2026-11-02T10:00:00+00:00")}),
         fhir_codeable("reason", kSct, s.service.code, s.service.display, true), ref("serviceProvider", kOrg)});
    FhirNode org = fhir_resource("Organization", {str("id", kOrg), meta("CareConnect-GPC-Organization-1"),
                                                  fhir_identifier(kOds, s.ods), str("name", s.pharmacy)});
    FhirNode practitioner = fhir_resource(
        "Practitioner", {str("id", kPractitioner), meta("CareConnect-GPC-Practitioner-1"), fhir_identifier(kGphc, "2011234"),
                         fhir_list_item("name", {str("family", "Okafor"), repeated_string("given", "Ada"),
                                                 repeated_string("prefix", "Mx")})});
    FhirNode role = fhir_resource(
        "PractitionerRole",
        {str("id", kRole), meta("CareConnect-GPC-PractitionerRole-1"), ref("practitioner", kPractitioner),
         ref("organization", kOrg),
         fhir_codeable("code", "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1", "R1290", "Pharmacist",
                       true)});
    FhirNode patient = fhir_resource(
        "Patient", {str("id", kPatient), meta("CareConnect-GPC-Patient-1"), fhir_identifier(kNhsNumber, s.nhs_number),
                    fhir_list_item("name", {str("use", "official"), str("family", "TESTPATIENT"),
                                            repeated_string("given", "Sam")}),
                    str("gender", "female"), str("birthDate", "1990-04-01")});

    FhirNode document = fhir_resource(
        "Bundle", {str("id", kDocument), meta("ITK-Document-Bundle-1"),
                   fhir_object("identifier", {str("system", kBundleIds), str("value", "doc-" + s.message_id)}),
                   str("type", "document"), entry(kComposition, std::move(composition)),
                   entry(kEncounter, std::move(encounter)), entry(kOrg, std::move(org)),
                   entry(kPractitioner, std::move(practitioner)), entry(kRole, std::move(role)),
                   entry(kPatient, std::move(patient))});
    for (auto& c : s.clinical) document.add(std::move(c));

    return fhir_resource("Bundle", {str("id", s.message_id), meta("ITK-Message-Bundle-1"),
                                    fhir_object("identifier", {str("system", kBundleIds), str("value", s.message_id)}),
                                    str("type", "message"), entry(kHeader, header), entry(kHeaderOrg, header_org),
                                    entry(kDocument, std::move(document))});
}

struct Pathway {
    const char* stem;
    const char* code;
    const char* display;
    Medicine medicine;
};

const Pathway kPathways[] = {
    {"uti", "1090711000000102", "Acute lower urinary tract infection",
     {"39686511000001108", "Nitrofurantoin 100mg modified-release capsules", "6", "Capsule", "3",
      "One capsule twice a day for 3 days"}},
    {"sinusitis", "15805002", "Acute sinusitis",
     {"31843021000001107", "Mometasone 50micrograms/dose nasal spray", "140", "dose", "14",
      "Two sprays into each nostril once a day"}},
    {"insect-bite", "262550002", "Infected insect bite",
     {"32278111000001104", "Flucloxacillin 500mg capsules", "28", "Capsule", "7",
      "One capsule four times a day for 7 days"}},
    {"otitis-media", "3110003", "Acute otitis media",
     {"32478311000001101", "Otigo 40mg/g / 10mg/g ear drops", "15", "ml", "7",
      "Four drops into the affected ear three times a day"}},
    {"sore-throat", "363746003", "Acute sore throat",
     {"32215901000001103", "Phenoxymethylpenicillin 250mg tablets", "80", "Tablet", "10",
      "Two tablets four times a day for 10 days"}},
    {"shingles", "4740000", "Herpes zoster",
     {"39955911000001104", "Aciclovir 800mg tablets", "35", "Tablet", "7", "One tablet five times a day for 7 days"}},
    {"impetigo", "48277006", "Impetigo",
     {"32584401000001101", "Hydrogen peroxide 1% cream", "25", "gram", "5", "Apply two or three times a day for 5 days"}},
};

// A Pharmacy First consultation: the pathway Condition, a temperature, the medicine supplied and
// the pharmacist's impression.
MessageSpec pharmacy_first(const Pathway& p, std::string message_id) {
    MessageSpec s = spec(std::move(message_id), kPharmacyFirst);
    s.clinical.push_back(condition("6a000000-0000-4000-8000-000000000001", p.code, p.display));
    s.clinical.push_back(observation("6a000000-0000-4000-8000-000000000002", "703421000", "Temperature",
                                     {quantity("valueQuantity", "37.4", "degree Celsius", "Cel")}));
    s.clinical.push_back(dispense("6a000000-0000-4000-8000-000000000003", p.medicine));
    s.clinical.push_back(impression("6a000000-0000-4000-8000-000000000004",
                                    std::string("Meets the ") + p.stem + " pathway criteria."));
    return s;
}

}  // namespace

std::vector<FixtureMessage> fixture_messages() {
    std::vector<FixtureMessage> out;
    for (const Pathway& p : kPathways)
        out.push_back({std::string("pharmacy-first-") + p.stem,
                       message(pharmacy_first(p, std::string("pf-") + p.stem + "-0001"))});

    // Blood Pressure Check: a clinic reading with systolic and diastolic components, and the mean
    // of the readings as its own observation (the triplet a GP system files).
    {
        MessageSpec s = spec("bp-0001", kBpCheck);
        s.clinical.push_back(observation("6b000000-0000-4000-8000-000000000001", "75367002", "Blood pressure",
                                         {bp_component("72313002", "Systolic arterial pressure", "148"),
                                          bp_component("1091811000000102", "Diastolic arterial pressure", "92")}));
        s.clinical.push_back(observation("6b000000-0000-4000-8000-000000000002", "6797001", "Mean blood pressure",
                                         {quantity("valueQuantity", "111", "mmHg", "mm[Hg]")}));
        s.clinical.push_back(observation("6b000000-0000-4000-8000-000000000003", "364075005", "Heart rate",
                                         {quantity("valueQuantity", "72", "per minute", "{beats}/min")}));
        s.clinical.push_back(allergy("6b000000-0000-4000-8000-000000000004", "294505008", "Allergy to amoxicillin"));
        s.ods = "FX482";
        s.pharmacy = "Hillcrest Chemist";
        s.mailbox = "FX482OT002";
        out.push_back({"bp-check", message(std::move(s))});
    }

    // Contraception, with pregnancy status, supplied under a PGD, and a safeguarding flag.
    {
        MessageSpec s = spec("contra-0001", kContraception);
        s.clinical.push_back(
            observation("6c000000-0000-4000-8000-000000000001", "60001007", "Not pregnant", {}, false));
        s.clinical.push_back(dispense("6c000000-0000-4000-8000-000000000002",
                                      {"32216331000001100", "Desogestrel 75microgram tablets", "84", "Tablet", "84",
                                       "One tablet daily at the same time each day"}));
        s.clinical.push_back(flag("6c000000-0000-4000-8000-000000000003", "1129681000000108", "Safeguarding concern"));
        s.ods = "FK719";
        s.pharmacy = "Market Street Pharmacy";
        s.mailbox = "FK719OT001";
        out.push_back({"contraception", message(std::move(s))});
    }

    const Pathway& uti = kPathways[0];
    {  // Replaces the UTI message above (its message id).
        MessageSpec s = pharmacy_first(uti, "pf-uti-0002");
        s.composition_extra.push_back(fhir_list_item(
            "relatesTo", {str("code", "replaces"),
                          fhir_object("targetIdentifier", {str("system", kBundleIds), str("value", "pf-uti-0001")})}));
        out.push_back({"replacement", message(std::move(s))});
    }
    {
        MessageSpec s = pharmacy_first(uti, "pf-nopat-0001");
        s.composition_nopat = true;
        out.push_back({"nopat", message(std::move(s))});
    }
    {  // 9000000001 fails modulus 11: the check digit of 900000000 is 9.
        MessageSpec s = pharmacy_first(uti, "pf-badnhs-0001");
        s.nhs_number = "9000000001";
        out.push_back({"invalid-nhs-number", message(std::move(s))});
    }
    {
        MessageSpec s = pharmacy_first(uti, "ack-0001");
        s.event_code = "ITK008M";
        s.event_display = "ITK Business Acknowledgement";
        out.push_back({"business-ack", message(std::move(s))});
    }
    return out;
}

std::vector<std::string> write_fixture_messages(const std::filesystem::path& dir) {
    std::vector<std::string> written;
    const auto write = [&](const std::string& file, const std::string& text) {
        const std::filesystem::path path = dir / file;
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f << text;
        f.close();
        if (!f) throw std::runtime_error("cannot write " + path.string());
        written.push_back(file);
    };
    for (const FixtureMessage& m : fixture_messages()) {
        write(m.name + ".xml", to_fhir_xml(m.message));
        write(m.name + ".json", to_fhir_json_indented(m.message));
    }
    return written;
}

}  // namespace gpwatch::sim
