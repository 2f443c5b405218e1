#include "sim/mesh/update_record_generator.hpp"

#include <algorithm>
#include <cstdio>

#include "sim/common/london_time.hpp"
#include "sim/common/nhs_number.hpp"
#include "sim/mesh/update_record_catalogue.hpp"
#include "sim/mesh/update_record_fhir.hpp"

namespace gpwatch::sim {

namespace {

constexpr const char* kWorkflow = "GPCONNECT_UPDATE_RECORD";
constexpr const char* kAckWorkflow = "GPCONNECT_UPDATE_RECORD_ACK";
constexpr const char* kSct = "http://snomed.info/sct";
constexpr const char* kDmd = "https://dmd.nhs.uk";
constexpr const char* kOds = "https://fhir.nhs.uk/Id/ods-organization-code";
constexpr const char* kNhsNumber = "https://fhir.nhs.uk/Id/nhs-number";
constexpr const char* kGphc = "https://fhir.hl7.org.uk/Id/gphc-number";
constexpr const char* kProfileBase = "https://fhir.nhs.uk/STU3/StructureDefinition/";
constexpr std::size_t kRecentKept = 50;

const char* const kGiven[] = {"Chris", "Sam", "Alex", "Priya", "Mohammed", "Grace", "Oliver", "Amelia", "Tomasz",
                              "Aisha", "Jack", "Ruth", "Daniel", "Fatima", "Liam", "Joan"};
const char* const kFamily[] = {"PACKET", "HOLT", "OKAFOR", "NOWAK", "PATEL", "BRIGGS", "SHAW", "AHMED",
                               "LEWIS", "KHAN", "MURRAY", "EVANS", "WOOD", "HUSSAIN", "PRICE", "DOYLE"};
const char* const kPharmacistGiven[] = {"Medi", "Hannah", "Imran", "Laura", "Kwame", "Sofia"};
const char* const kPharmacistFamily[] = {"Kai-Shun", "Rahman", "Fletcher", "Osei", "Marsh", "Rossi"};

template <class T, std::size_t N>
const T& pick(SimRandom& rng, const T (&items)[N]) {
    return items[rng.below(N)];
}

std::string profile(std::string_view name) { return std::string(kProfileBase) + std::string(name); }

std::string urn(const std::string& id) { return "urn:uuid:" + id; }

FhirNode meta(const std::string& last_updated, std::string_view profile_name, bool nopat = false) {
    FhirNode profile_node = fhir_string("profile", profile_name.rfind("https://", 0) == 0 ? std::string(profile_name)
                                                                                          : profile(profile_name));
    profile_node.repeats = true;
    FhirNode m = fhir_object("meta", {fhir_string("lastUpdated", last_updated), std::move(profile_node)});
    if (nopat)
        m.add(fhir_list_item("security", {fhir_string("system", "http://hl7.org/fhir/v3/ActCode"),
                                          fhir_string("code", "NOPAT"),
                                          fhir_string("display", "no disclosure to patient, family or caregivers without attending provider's authorization")}));
    return m;
}

FhirNode entry(const std::string& id, FhirNode resource) {
    return fhir_list_item("entry", {fhir_string("fullUrl", urn(id)), fhir_object("resource", {std::move(resource)})});
}

FhirNode quantity(std::string name, std::string value, std::string unit, std::string system, std::string code) {
    return fhir_object(std::move(name), {fhir_number("value", std::move(value)), fhir_string("unit", std::move(unit)),
                                         fhir_string("system", std::move(system)), fhir_string("code", std::move(code))});
}

std::string date_of(const std::string& rfc3339) { return rfc3339.substr(0, 10); }

// An NHS number whose last digit is not its check digit (real messages carry such numbers).
std::string make_failing_nhs_number(SimRandom& rng) {
    std::string good = make_test_nhs_number(rng);
    const int wrong = (good.back() - '0' + 1 + static_cast<int>(rng.below(8))) % 10;
    good.back() = static_cast<char>('0' + wrong);
    if (nhs_number_is_valid(good)) good.back() = static_cast<char>('0' + (wrong + 1) % 10);
    return good;
}

}  // namespace

bool GeneratedMessage::has_kind(std::string_view k) const {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

UpdateRecordGenerator::UpdateRecordGenerator(std::uint64_t seed, std::string practice_mailbox)
    : rng_(seed), practice_mailbox_(std::move(practice_mailbox)) {}

std::string UpdateRecordGenerator::uuid() {
    const std::uint64_t a = rng_.next_u64();
    const std::uint64_t b = rng_.next_u64();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

std::string UpdateRecordGenerator::mesh_id(std::chrono::system_clock::time_point now) {
    // MESH's form: yyyyMMddHHmmssSSS, an underscore, six hex digits.
    const auto ms = std::chrono::floor<std::chrono::milliseconds>(now);
    const auto day = std::chrono::floor<std::chrono::days>(ms);
    const std::chrono::year_month_day ymd(day);
    const std::chrono::hh_mm_ss hms(ms - day);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u%02ld%02ld%02ld%03ld_%06llX", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()), static_cast<long>(hms.subseconds().count()),
                  static_cast<unsigned long long>(rng_.below(0x1000000)));
    return buf;
}

GeneratedMessage UpdateRecordGenerator::next(std::chrono::system_clock::time_point now) {
    GeneratedMessage m = rng_.chance(0.06) ? make_report(now) : make_data(now);
    m.to_mailbox = practice_mailbox_;
    if (m.message_type == "DATA") {
        // Transport variety: a few chunked, a few gzip-compressed (each chunk on its own).
        if (rng_.chance(0.08) && m.body.size() >= 64) {
            m.chunks = static_cast<std::uint32_t>(rng_.between(2, 4));
            m.kinds.push_back("chunked");
        }
        if (rng_.chance(0.08)) {
            m.gzip = true;
            m.kinds.push_back("gzip");
        }
    }
    return m;
}

GeneratedMessage UpdateRecordGenerator::make_report(std::chrono::system_clock::time_point now) {
    GeneratedMessage m;
    m.mesh_id = mesh_id(now);
    m.message_type = "REPORT";
    m.kinds = {"report"};
    // A report tells the practice that something it sent (a business acknowledgement back to a
    // pharmacy) was not delivered.
    m.workflow_id = kAckWorkflow;
    m.from_mailbox = "";
    m.linked_message_id = sent_ack_ids_.empty() ? mesh_id(now - std::chrono::hours(24 * 5)) : sent_ack_ids_.front();
    if (!sent_ack_ids_.empty()) sent_ack_ids_.pop_front();
    if (rng_.chance(0.5)) {
        m.status_code = "14";
        m.status_description = "Message not collected by recipient after 5 days";
    } else {
        m.status_code = "12";
        m.status_description = "Unregistered to address";
    }
    m.local_id = uuid();
    m.subject = "NDR";
    return m;
}

GeneratedMessage UpdateRecordGenerator::make_data(std::chrono::system_clock::time_point now) {
    GeneratedMessage m;
    m.mesh_id = mesh_id(now);
    m.message_type = "DATA";
    m.workflow_id = kWorkflow;
    m.kinds = {"data"};
    sent_ack_ids_.push_back(mesh_id(now - std::chrono::minutes(rng_.between(10, 600))));
    if (sent_ack_ids_.size() > kRecentKept) sent_ack_ids_.pop_front();

    const auto secs = std::chrono::floor<std::chrono::seconds>(now);
    const std::string stamp = london_rfc3339(secs);
    const std::string updated = london_rfc3339(secs - std::chrono::minutes(rng_.between(2, 20)));
    const std::string encounter_start = london_rfc3339(secs - std::chrono::minutes(rng_.between(30, 240)));

    // What this message is.
    const bool other_event = rng_.chance(0.03);
    const bool malformed = !other_event && rng_.chance(0.05);
    const bool as_json = rng_.chance(0.15);
    bool replaces = !other_event && !recent_.empty() && rng_.chance(0.07);
    Earlier basis{};
    if (replaces) basis = recent_[rng_.below(recent_.size())];
    const std::size_t pharmacy_index = replaces ? basis.pharmacy : rng_.below(pharmacies().size());
    const Pharmacy& pharmacy = pharmacies()[pharmacy_index];
    const int service_index = replaces ? basis.service : static_cast<int>(rng_.weighted({0.6, 0.25, 0.15}));
    const Service& service = service_index == 0   ? pharmacy_first_service()
                             : service_index == 1 ? bp_check_service()
                                                  : contraception_service();
    const std::size_t pathway_index = replaces ? basis.pathway : rng_.below(pharmacy_first_pathways().size());
    const Pathway& pathway = pharmacy_first_pathways()[pathway_index];
    const bool failing_draw = !replaces && rng_.chance(0.05);
    const std::string nhs = replaces ? basis.nhs_number
                                     : failing_draw ? make_failing_nhs_number(rng_) : make_test_nhs_number(rng_);
    // A replacement carries the patient's number as the replaced message had it, check digit and all.
    const bool invalid_nhs = failing_draw || (replaces && !nhs_number_is_valid(nhs));
    const bool nopat = rng_.chance(0.08);
    const bool safeguarding = rng_.chance(0.08);
    const bool female = service_index == 2 || rng_.chance(0.55);
    const bool pregnancy = female && (service_index == 2 || rng_.chance(0.25));

    m.from_mailbox = pharmacy.mailbox;
    m.sender_ods = pharmacy.ods;
    m.nhs_number = nhs;
    m.service = service.code;

    // Ids of every resource.
    const std::string bundle_id = uuid();
    const std::string header_id = uuid(), header_org_id = uuid(), document_id = uuid(), composition_id = uuid(),
                      encounter_id = uuid(), org_id = uuid(), practitioner_id = uuid(), role_id = uuid(),
                      patient_id = uuid(), sender_reference = uuid();
    m.bundle_id = bundle_id;
    m.local_id = sender_reference;
    m.subject = service.display;

    std::vector<std::string> section;  // the Composition lists every clinical resource it holds
    std::vector<FhirNode> clinical;

    auto obs_common = [&](const std::string& id, std::string_view category_code, std::string_view category_display,
                          std::string_view code, std::string_view display) {
        std::vector<FhirNode> c{fhir_string("id", id), meta(updated, "CareConnect-GPC-Observation-1", nopat),
                                fhir_identifier("https://fhir.provider.example/identifier/observation", id),
                                fhir_string("status", "final"),
                                fhir_codeable("category", "http://terminology.hl7.org/CodeSystem/observation-category",
                                              category_code, category_display, true),
                                fhir_codeable("code", kSct, code, display),
                                fhir_reference("subject", urn(patient_id)),
                                fhir_reference("context", urn(encounter_id)),
                                fhir_string("effectiveDateTime", encounter_start), fhir_string("issued", stamp),
                                fhir_reference("performer", urn(practitioner_id), true)};
        return c;
    };
    auto add_clinical = [&](const std::string& id, FhirNode resource) {
        section.push_back(id);
        clinical.push_back(entry(id, std::move(resource)));
    };
    auto add_bp = [&](bool sitting) {
        const std::string id = uuid();
        const int systolic = static_cast<int>(rng_.between(104, 178));
        const int diastolic = static_cast<int>(rng_.between(62, std::min(110, systolic - 30)));
        auto c = obs_common(id, "vital-signs", "Vital Signs", sitting ? "163020007" : "75367002",
                            sitting ? "On examination - blood pressure reading" : "Blood pressure");
        auto component = [](std::string_view code, std::string_view display, int v) {
            return fhir_list_item("component",
                                  {fhir_codeable("code", kSct, code, display),
                                   quantity("valueQuantity", std::to_string(v), "millimeter of mercury",
                                            "http://unitsofmeasure.org", "mm[Hg]")});
        };
        c.push_back(fhir_codeable("bodySite", kSct, "40983000", "Structure of upper extremity between shoulder and elbow"));
        c.push_back(component("72313002", "Systolic arterial pressure", systolic));
        c.push_back(component("1091811000000102", "Diastolic arterial pressure", diastolic));
        add_clinical(id, fhir_resource("Observation", std::move(c)));
    };
    auto add_pulse = [&] {
        const std::string id = uuid();
        auto c = obs_common(id, "vital-signs", "Vital Signs", "364075005", "Heart rate");
        c.push_back(quantity("valueQuantity", std::to_string(rng_.between(54, 104)), "per minute",
                             "http://unitsofmeasure.org", "{beats}/min"));
        add_clinical(id, fhir_resource("Observation", std::move(c)));
    };
    auto add_temperature = [&] {
        const std::string id = uuid();
        auto c = obs_common(id, "vital-signs", "Vital Signs", "703421000", "Temperature");
        const long tenths = rng_.between(361, 389);
        c.push_back(quantity("valueQuantity", std::to_string(tenths / 10) + "." + std::to_string(tenths % 10),
                             "degree Celsius", "http://unitsofmeasure.org", "Cel"));
        add_clinical(id, fhir_resource("Observation", std::move(c)));
    };
    auto add_dispense = [&](const Medicine& med) {
        const std::string id = uuid();
        std::vector<FhirNode> c{
            fhir_string("id", id), meta(updated, "CareConnect-GPC-MedicationDispense-1", nopat),
            fhir_identifier("https://fhir.provider.example/identifier/medication-dispense", id),
            fhir_string("status", "completed"),
            fhir_codeable("category", "http://hl7.org/fhir/medication-dispense-category", "community", "Community"),
            fhir_codeable("medicationCodeableConcept", kDmd, med.dmd_code, med.name),
            fhir_reference("subject", urn(patient_id)), fhir_reference("context", urn(encounter_id)),
            fhir_list_item("performer", {fhir_reference("actor", urn(practitioner_id))}),
            fhir_codeable("type", "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-MedicationSupplyType-1",
                          med.supply_type,
                          med.supply_type == "patient-group-direction" ? "Patient group direction" : "Over the counter"),
            quantity("quantity", med.quantity, med.unit, kSct, med.unit_code),
            quantity("daysSupply", med.days, "day", "http://unitsofmeasure.org", "d"),
            fhir_string("whenPrepared", date_of(encounter_start)), fhir_string("whenHandedOver", date_of(encounter_start)),
            fhir_list_item("dosageInstruction", {fhir_string("text", med.dosage), fhir_string("patientInstruction", med.dosage),
                                                 fhir_codeable("route", kSct, med.route_code, med.route)})};
        add_clinical(id, fhir_resource("MedicationDispense", std::move(c)));
    };
    auto add_condition = [&](const Pathway& p) {
        const std::string id = uuid();
        add_clinical(id, fhir_resource("Condition",
                                       {fhir_string("id", id), meta(updated, "CareConnect-GPC-Condition-1", nopat),
                                        fhir_identifier("https://fhir.provider.example/identifier/condition", id),
                                        fhir_string("clinicalStatus", "active"),
                                        fhir_codeable("code", kSct, p.condition_code, p.condition),
                                        fhir_reference("subject", urn(patient_id)),
                                        fhir_reference("context", urn(encounter_id)),
                                        fhir_string("assertedDate", date_of(encounter_start)),
                                        fhir_reference("asserter", urn(practitioner_id))}));
    };
    auto add_impression = [&](const std::string& summary) {
        const std::string id = uuid();
        add_clinical(id, fhir_resource("ClinicalImpression",
                                       {fhir_string("id", id), meta(updated, "CareConnect-GPC-ClinicalImpression-1", nopat),
                                        fhir_identifier("https://fhir.provider.example/identifier/clinical-impression", id),
                                        fhir_string("status", "completed"), fhir_reference("subject", urn(patient_id)),
                                        fhir_reference("context", urn(encounter_id)),
                                        fhir_string("date", date_of(encounter_start)),
                                        fhir_reference("assessor", urn(practitioner_id)),
                                        fhir_string("summary", summary)}));
    };

    // The clinical content of the service.
    if (service_index == 0) {
        m.kinds.push_back(service.key);
        m.kinds.push_back(pathway.key);
        add_temperature();
        if (rng_.chance(0.5)) add_pulse();
        add_condition(pathway);
        if (rng_.chance(0.85)) add_dispense(pathway.medicines[rng_.below(pathway.medicines.size())]);
        add_impression(pathway.summary);
    } else if (service_index == 1) {
        m.kinds.push_back(service.key);
        add_bp(true);
        add_pulse();
        add_impression("Blood pressure measured after five minutes seated. Advice on salt, alcohol and activity given.");
    } else {
        m.kinds.push_back(service.key);
        add_bp(true);
        const Medicine& med = contraceptives()[rng_.below(contraceptives().size())];
        add_dispense(med);
        add_impression("Contraception consultation; UKMEC criteria checked, no contraindications found.");
    }
    if (pregnancy) {
        const bool pregnant = rng_.chance(0.3);
        const std::string id = uuid();
        add_clinical(id, fhir_resource("Observation", obs_common(id, "social-history", "Social History",
                                                                 pregnant ? "77386006" : "60001007",
                                                                 pregnant ? "Pregnant" : "Not pregnant")));
        m.kinds.push_back("pregnancy");
    }
    if (safeguarding) {
        const std::string id = uuid();
        const Coded& flag = safeguarding_flags()[rng_.below(safeguarding_flags().size())];
        add_clinical(id, fhir_resource("Flag", {fhir_string("id", id), meta(updated, "CareConnect-Flag-1", nopat),
                                                fhir_identifier("https://fhir.provider.example/identifier/flag", id),
                                                fhir_string("status", "active"),
                                                fhir_codeable("category", kSct, "999002381000000108",
                                                              "Safeguarding issues simple reference set"),
                                                fhir_codeable("code", kSct, flag.code, flag.display),
                                                fhir_reference("subject", urn(patient_id)),
                                                fhir_reference("encounter", urn(encounter_id)),
                                                fhir_reference("author", urn(practitioner_id))}));
        m.kinds.push_back("safeguarding");
    }
    if (nopat) m.kinds.push_back("nopat");
    if (invalid_nhs) m.kinds.push_back("invalid-nhs-number");

    // Who and where.
    const bool male = !female;
    const std::string given = pick(rng_, kGiven);
    const std::string family = pick(rng_, kFamily);
    char birth[48];
    std::snprintf(birth, sizeof birth, "%04ld-%02ld-%02ld", static_cast<long>(rng_.between(1935, 2010)),
                  static_cast<long>(rng_.between(1, 12)), static_cast<long>(rng_.between(1, 28)));
    char gphc[32];
    std::snprintf(gphc, sizeof gphc, "20%05ld", static_cast<long>(rng_.between(0, 99999)));

    FhirNode patient = fhir_resource(
        "Patient",
        {fhir_string("id", patient_id), meta(updated, "CareConnect-GPC-Patient-1"),
         fhir_list_item("identifier",
                        {fhir_extension("https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1",
                                        {fhir_codeable("valueCodeableConcept",
                                                       "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1",
                                                       "01", "Number present and verified")}),
                         fhir_string("system", kNhsNumber), fhir_string("value", nhs)}),
         fhir_list_item("name", {fhir_string("use", "official"), fhir_string("family", family),
                                 fhir_string("given", given)}),
         fhir_string("gender", male ? "male" : "female"), fhir_string("birthDate", birth),
         fhir_list_item("address", {fhir_string("postalCode", pharmacy.postcode)})});
    patient.children[3].children[2].repeats = true;  // given is 0..*
    FhirNode organization = fhir_resource("Organization", {fhir_string("id", org_id), meta(updated, "CareConnect-GPC-Organization-1"),
                                                           fhir_identifier(kOds, pharmacy.ods), fhir_string("name", pharmacy.name)});
    FhirNode practitioner = fhir_resource(
        "Practitioner",
        {fhir_string("id", practitioner_id), meta(updated, "CareConnect-GPC-Practitioner-1"),
         fhir_identifier("https://fhir.provider.example/identifier/staff", practitioner_id), fhir_identifier(kGphc, gphc),
         fhir_list_item("name", {fhir_string("family", pick(rng_, kPharmacistFamily)),
                                 fhir_string("given", pick(rng_, kPharmacistGiven))})});
    practitioner.children[4].children[1].repeats = true;
    FhirNode role = fhir_resource(
        "PractitionerRole",
        {fhir_string("id", role_id), meta(updated, "CareConnect-GPC-PractitionerRole-1"),
         fhir_reference("practitioner", urn(practitioner_id)), fhir_reference("organization", urn(org_id)),
         fhir_codeable("code", "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1", "R1290", "Pharmacist", true)});
    FhirNode encounter = fhir_resource(
        "Encounter",
        {fhir_string("id", encounter_id), meta(updated, "CareConnect-GPC-Encounter-1", nopat),
         fhir_identifier("https://fhir.provider.example/identifier/encounter", encounter_id), fhir_string("status", "finished"),
         fhir_codeable("type", kSct, "307778003", "Seen in primary care establishment", true),
         fhir_reference("subject", urn(patient_id)),
         fhir_list_item("participant", {fhir_codeable("type", "https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-ParticipantType-1",
                                                      "REC", "recorder", true),
                                        fhir_reference("individual", urn(practitioner_id))}),
         fhir_object("period", {fhir_string("start", encounter_start)}),
         fhir_codeable("reason", kSct, service.code, service.display, true),
         fhir_reference("serviceProvider", urn(org_id))});

    // The Composition: service code, subject, and (when replacing) the earlier message.
    FhirNode composition = fhir_resource(
        "Composition",
        {fhir_string("id", composition_id),
         meta(updated, "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Composition-1", nopat),
         fhir_object("identifier", {fhir_string("system", "https://fhir.provider.example/identifier/composition"),
                                    fhir_string("value", composition_id)}),
         fhir_string("status", "final"), fhir_codeable("type", kSct, service.code, service.display),
         fhir_reference("subject", urn(patient_id)), fhir_reference("encounter", urn(encounter_id)),
         fhir_string("date", stamp), fhir_reference("author", urn(practitioner_id), true),
         fhir_string("title", pharmacy.name + " - " + service.display)});
    if (replaces) {
        composition.add(fhir_list_item("relatesTo", {fhir_string("code", "replaces"),
                                                     fhir_object("targetIdentifier", {fhir_string("system", "https://fhir.provider.example/identifier/bundle"),
                                                                                      fhir_string("value", basis.bundle_id)})}));
        m.replaces = basis.bundle_id;
        m.kinds.push_back("replaces");
    }
    FhirNode sec = fhir_list_item("section");
    for (const std::string& id : {encounter_id, org_id, practitioner_id, role_id, patient_id})
        sec.add(fhir_reference("entry", urn(id), true));
    for (const auto& id : section) sec.add(fhir_reference("entry", urn(id), true));
    composition.add(std::move(sec));

    // Malformed variants that still look like Update Records from afar.
    enum class Breakage { none, truncated, missing_patient, broken_reference };
    Breakage breakage = Breakage::none;
    if (malformed) breakage = static_cast<Breakage>(1 + rng_.below(3));

    FhirNode document = fhir_resource(
        "Bundle", {fhir_string("id", document_id), meta(updated, "ITK-Document-Bundle-1"),
                   fhir_object("identifier", {fhir_string("system", "https://fhir.provider.example/identifier/bundle"),
                                              fhir_string("value", document_id)}),
                   fhir_string("type", "document")});
    document.add(entry(composition_id, std::move(composition)));
    document.add(entry(encounter_id, std::move(encounter)));
    document.add(entry(org_id, std::move(organization)));
    document.add(entry(practitioner_id, std::move(practitioner)));
    document.add(entry(role_id, std::move(role)));
    if (breakage != Breakage::missing_patient) document.add(entry(patient_id, std::move(patient)));
    for (auto& c : clinical) document.add(std::move(c));

    // The ITK3 message header.
    const bool ack_event = other_event;
    FhirNode header = fhir_resource(
        "MessageHeader",
        {fhir_string("id", header_id), meta(updated, "ITK-MessageHeader-2"),
         fhir_extension("https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2",
                        {fhir_extension("BusAckRequested", {fhir_boolean("valueBoolean", true)}),
                         fhir_extension("InfAckRequested", {fhir_boolean("valueBoolean", true)}),
                         fhir_extension("RecipientType",
                                        {fhir_object("valueCoding", {fhir_string("system", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"),
                                                                     fhir_string("code", "FI"),
                                                                     fhir_string("display", "For Information")})}),
                         fhir_extension("MessageDefinition",
                                        {fhir_object("valueReference", {fhir_string("reference", "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-UpdateRecord-MessageDefinition-Instance-1")})}),
                         fhir_extension("SenderReference", {fhir_string("valueString", urn(sender_reference))}),
                         fhir_extension("LocalExtension", {fhir_string("valueString", "None")})}),
         fhir_object("event", {fhir_string("system", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"),
                               fhir_string("code", ack_event ? "ITK008M" : "ITK014M"),
                               fhir_string("display", ack_event ? "ITK Business Acknowledgement" : "ITK Update Record")}),
         fhir_reference("sender", urn(header_org_id)), fhir_string("timestamp", stamp),
         fhir_object("source", {fhir_string("endpoint", pharmacy.mailbox)}),
         fhir_reference("focus", urn(breakage == Breakage::broken_reference ? uuid() : document_id), true)});
    FhirNode header_org = fhir_resource("Organization", {fhir_string("id", header_org_id),
                                                         meta(updated, "CareConnect-ITK-Header-Organization-1"),
                                                         fhir_identifier(kOds, pharmacy.ods)});

    FhirNode message = fhir_resource(
        "Bundle", {fhir_string("id", bundle_id), meta(updated, "ITK-Message-Bundle-1"),
                   fhir_object("identifier", {fhir_string("system", "https://fhir.provider.example/identifier/bundle"),
                                              fhir_string("value", bundle_id)}),
                   fhir_string("type", "message")});
    message.add(entry(header_id, std::move(header)));
    message.add(entry(header_org_id, std::move(header_org)));
    if (!ack_event) message.add(entry(document_id, std::move(document)));

    m.body = as_json ? to_fhir_json(message) : to_fhir_xml(message);
    m.kinds.push_back(as_json ? "json" : "xml");
    m.filename = m.mesh_id + (as_json ? ".json" : ".xml");
    if (ack_event) {
        // An ITK business acknowledgement would carry its own payload; the header alone is enough
        // for a receiver to see "not ITK014M".
        m.kinds = {"data", "other-event", as_json ? "json" : "xml"};
        m.service.clear();
        m.subject = "ITK Business Acknowledgement";
    } else {
        m.kinds.insert(m.kinds.begin() + 1, "update-record");
    }
    if (breakage != Breakage::none) {
        m.kinds.push_back("malformed");
        if (breakage == Breakage::truncated) {
            m.body.resize(m.body.size() * static_cast<std::size_t>(rng_.between(30, 90)) / 100);
            m.kinds.push_back("truncated");
        } else {
            m.kinds.push_back(breakage == Breakage::missing_patient ? "missing-patient" : "broken-reference");
        }
    } else if (!ack_event) {
        m.update_record_id = bundle_id;
        recent_.push_back({bundle_id, nhs, pharmacy_index, service_index, pathway_index});
        if (recent_.size() > kRecentKept) recent_.pop_front();
    }
    return m;
}

}  // namespace gpwatch::sim
