// Well-formed Update Record messages: what the parser takes out of each service's message, in
// both wire forms, and of NHS England's own published examples.

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include <date/date.h>
#include <gtest/gtest.h>

#include "connectors/update_record/update_record_parser.hpp"
#include "tests/unit/update_record/test_messages.hpp"

namespace gpwatch::update_record {
namespace {

using test::message;

constexpr const char* kSct = "http://snomed.info/sct";
constexpr const char* kDmd = "https://dmd.nhs.uk";

SysSeconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
    return SysSeconds{date::sys_days{date::year{y} / mo / d}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{s};
}

bool has_code(const std::vector<Coding>& codes, const std::string& system, const std::string& code,
              const std::string& resource) {
    return std::any_of(codes.begin(), codes.end(), [&](const Coding& c) {
        return c.system == system && c.code == code && c.resource == resource;
    });
}

auto tie_coding(const Coding& c) { return std::tie(c.system, c.code, c.display, c.resource); }

// Every field the parser fills, compared one by one so a failure names the field.
void expect_same_event(const RecordEvent& a, const RecordEvent& b) {
    EXPECT_EQ(a.feed, b.feed);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.time, b.time);
    EXPECT_EQ(a.entry_id, b.entry_id);
    EXPECT_EQ(a.update_record.document_id, b.update_record.document_id);
    EXPECT_EQ(a.nhs_number, b.nhs_number);
    EXPECT_EQ(a.nhs_number_valid, b.nhs_number_valid);
    EXPECT_EQ(a.author.ods, b.author.ods);
    EXPECT_EQ(a.author.name, b.author.name);
    EXPECT_EQ(a.author.org_type, b.author.org_type);
    EXPECT_EQ(a.route, b.route);
    EXPECT_EQ(a.resource_type, b.resource_type);
    EXPECT_EQ(a.update_record.sender_mailbox, b.update_record.sender_mailbox);
    EXPECT_EQ(a.update_record.service_code, b.update_record.service_code);
    EXPECT_EQ(a.update_record.service_display, b.update_record.service_display);
    EXPECT_EQ(a.update_record.replaces, b.update_record.replaces);
    EXPECT_EQ(a.nopat, b.nopat);
    EXPECT_EQ(a.update_record.encounter_time, b.update_record.encounter_time);
    EXPECT_EQ(a.parse_error, b.parse_error);
    EXPECT_EQ(a.raw, b.raw);
    for (const auto& [x, y] : {std::pair{&a.codes, &b.codes}, {&a.medicines, &b.medicines}, {&a.flags, &b.flags}}) {
        ASSERT_EQ(x->size(), y->size());
        for (std::size_t i = 0; i < x->size(); ++i)
            EXPECT_EQ(tie_coding((*x)[i]), tie_coding((*y)[i])) << "coding " << i << ": " << (*x)[i].code;
    }
}

// GoogleTest names allow letters, digits and underscores only.
std::string test_name(std::string stem) {
    for (char& c : stem)
        if (c == '-') c = '_';
    return stem;
}

class BothForms : public ::testing::TestWithParam<const char*> {};

TEST_P(BothForms, XmlAndJsonTwinsGiveTheSameEvent) {
    const std::string stem = GetParam();
    const std::string xml = message(stem + ".xml"), json = message(stem + ".json");
    ASSERT_FALSE(xml.empty()) << "missing test message " << stem << ".xml";
    ASSERT_FALSE(json.empty()) << "missing test message " << stem << ".json";
    const RecordEvent from_xml = parse_update_record(xml);
    const RecordEvent from_json = parse_update_record(json);
    EXPECT_NE(from_xml.kind, EventKind::unparseable) << from_xml.parse_error;
    EXPECT_FALSE(from_xml.codes.empty() && from_xml.kind == EventKind::entry_created);
    expect_same_event(from_xml, from_json);
}

INSTANTIATE_TEST_SUITE_P(EveryTestMessage, BothForms,
                         ::testing::Values("pharmacy-first-uti", "pharmacy-first-sinusitis", "pharmacy-first-insect-bite",
                                           "pharmacy-first-otitis-media", "pharmacy-first-sore-throat",
                                           "pharmacy-first-shingles", "pharmacy-first-impetigo", "bp-check",
                                           "contraception", "replacement", "nopat", "invalid-nhs-number",
                                           "business-ack"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return test_name(info.param); });

struct Pathway {
    const char* stem;
    const char* condition;
    const char* dmd;
};

void PrintTo(const Pathway& p, std::ostream* os) { *os << p.stem; }

class PharmacyFirst : public ::testing::TestWithParam<Pathway> {};

TEST_P(PharmacyFirst, EveryPathwayGivesItsConditionAndTheMedicineSupplied) {
    const Pathway p = GetParam();
    const RecordEvent ev = parse_update_record(message(std::string("pharmacy-first-") + p.stem + ".xml"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.entry_id, std::string("pf-") + p.stem + "-0001");
    EXPECT_EQ(ev.update_record.service_code, "1577041000000109");
    EXPECT_TRUE(has_code(ev.codes, kSct, p.condition, "Condition"));
    ASSERT_EQ(ev.medicines.size(), 1u);
    EXPECT_EQ(ev.medicines[0].system, kDmd);
    EXPECT_EQ(ev.medicines[0].code, p.dmd);
    EXPECT_EQ(ev.medicines[0].resource, "MedicationDispense");
    EXPECT_TRUE(has_code(ev.codes, kDmd, p.dmd, "MedicationDispense"));
}

INSTANTIATE_TEST_SUITE_P(SevenPathways, PharmacyFirst,
                         ::testing::Values(Pathway{"uti", "1090711000000102", "39686511000001108"},
                                           Pathway{"sinusitis", "15805002", "31843021000001107"},
                                           Pathway{"insect-bite", "262550002", "32278111000001104"},
                                           Pathway{"otitis-media", "3110003", "32478311000001101"},
                                           Pathway{"sore-throat", "363746003", "32215901000001103"},
                                           Pathway{"shingles", "4740000", "39955911000001104"},
                                           Pathway{"impetigo", "48277006", "32584401000001101"}),
                         [](const ::testing::TestParamInfo<Pathway>& info) { return test_name(info.param.stem); });

TEST(UpdateRecordParser, PharmacyFirstFillsEveryField) {
    const RecordEvent ev = parse_update_record(message("pharmacy-first-uti.xml"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.feed, Feed::update_record);
    EXPECT_EQ(ev.entry_id, "pf-uti-0001");
    EXPECT_EQ(ev.update_record.document_id, "doc-pf-uti-0001");
    EXPECT_EQ(ev.author.ods, "FA123");  // the ITK header Organization the MessageHeader names
    EXPECT_EQ(ev.author.name, "Riverside Pharmacy");  // named only in the document
    EXPECT_EQ(ev.author.org_type, "community-pharmacy");
    EXPECT_EQ(ev.update_record.sender_mailbox, "FA123OT001");
    EXPECT_EQ(ev.route, "update-record");
    EXPECT_EQ(ev.resource_type, "Composition");
    EXPECT_EQ(ev.update_record.service_display, "Community Pharmacist Consultation Service for minor illness");
    EXPECT_EQ(ev.nhs_number, "9000000009");
    EXPECT_TRUE(ev.nhs_number_valid);
    EXPECT_EQ(ev.time, utc(2026, 11, 2, 10, 20, 31));  // the fraction is dropped
    EXPECT_EQ(ev.update_record.encounter_time, utc(2026, 11, 2, 10, 0, 0));
    EXPECT_FALSE(ev.nopat);
    EXPECT_TRUE(ev.update_record.replaces.empty());
    EXPECT_TRUE(ev.flags.empty());
    EXPECT_TRUE(ev.raw.empty());
    EXPECT_TRUE(ev.parse_error.empty());
    // Codes come from every resource of the document, each tagged with where it was.
    EXPECT_TRUE(has_code(ev.codes, kSct, "1577041000000109", "Composition"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "1577041000000109", "Encounter"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "703421000", "Observation"));
    EXPECT_TRUE(has_code(ev.codes, "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1", "R1290",
                         "PractitionerRole"));
    // The message plumbing (the MessageHeader's event and recipient type) is not record content.
    EXPECT_FALSE(has_code(ev.codes, "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2", "ITK014M", "MessageHeader"));
    // A Quantity's system and code are a unit, not a coded item.
    EXPECT_FALSE(std::any_of(ev.codes.begin(), ev.codes.end(), [](const Coding& c) { return c.code == "Cel"; }));
}

TEST(UpdateRecordParser, BloodPressureCheckGivesTheSystolicDiastolicMeanTriplet) {
    const RecordEvent ev = parse_update_record(message("bp-check.json"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.update_record.service_code, "1659111000000107");
    EXPECT_EQ(ev.author.ods, "FX482");
    EXPECT_EQ(ev.author.org_type, "community-pharmacy");
    EXPECT_TRUE(has_code(ev.codes, kSct, "75367002", "Observation"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "72313002", "Observation"));          // systolic component
    EXPECT_TRUE(has_code(ev.codes, kSct, "1091811000000102", "Observation"));  // diastolic component
    EXPECT_TRUE(has_code(ev.codes, kSct, "6797001", "Observation"));           // mean
    EXPECT_TRUE(has_code(ev.codes, kSct, "294505008", "AllergyIntolerance"));
    EXPECT_TRUE(ev.medicines.empty());
}

TEST(UpdateRecordParser, ContraceptionGivesPregnancyStatusMedicineAndSafeguardingFlag) {
    const RecordEvent ev = parse_update_record(message("contraception.xml"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.update_record.service_code, "1659121000000101");
    EXPECT_TRUE(has_code(ev.codes, kSct, "60001007", "Observation"));
    ASSERT_EQ(ev.medicines.size(), 1u);
    EXPECT_EQ(ev.medicines[0].code, "32216331000001100");
    ASSERT_EQ(ev.flags.size(), 1u);
    EXPECT_EQ(ev.flags[0].code, "1129681000000108");
    EXPECT_EQ(ev.flags[0].resource, "Flag");
    EXPECT_TRUE(has_code(ev.codes, kSct, "1129681000000108", "Flag"));
}

TEST(UpdateRecordParser, ReplacementNamesTheMessageItReplaces) {
    const RecordEvent ev = parse_update_record(message("replacement.xml"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.entry_id, "pf-uti-0002");
    EXPECT_EQ(ev.update_record.replaces, "pf-uti-0001");
}

TEST(UpdateRecordParser, NopatOnTheCompositionMarksTheWrite) {
    const RecordEvent ev = parse_update_record(message("nopat.json"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_TRUE(ev.nopat);
}

TEST(UpdateRecordParser, NopatOnOneClinicalResourceDoesNotHideTheWholeWrite) {
    // Marking the whole write NOPAT would silence the visible-before-review alert for all of it.
    const std::string xml = test::replaced(
        message("pharmacy-first-uti.xml"), "<profile value=\"https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Condition-1\" />",
        "<profile value=\"https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Condition-1\" />"
        "<security><system value=\"http://hl7.org/fhir/v3/ActCode\" /><code value=\"NOPAT\" /></security>");
    ASSERT_FALSE(xml.empty());
    const RecordEvent ev = parse_update_record(xml);
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_FALSE(ev.nopat);
    EXPECT_TRUE(has_code(ev.codes, "http://hl7.org/fhir/v3/ActCode", "NOPAT", "Condition"));
}

TEST(UpdateRecordParser, InvalidNhsNumberIsKeptAndFlaggedNotDropped) {
    const RecordEvent ev = parse_update_record(message("invalid-nhs-number.xml"));
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.nhs_number, "9000000001");
    EXPECT_FALSE(ev.nhs_number_valid);
}

TEST(UpdateRecordParser, NhsNumberWrittenWithSpacesIsReadAsItsDigits) {
    const std::string xml = test::replaced(message("pharmacy-first-uti.xml"), "<value value=\"9000000009\" />",
                                           "<value value=\"900 000 0009\" />");
    ASSERT_FALSE(xml.empty());
    const RecordEvent ev = parse_update_record(xml);
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.nhs_number, "9000000009");
    EXPECT_TRUE(ev.nhs_number_valid);
}

TEST(UpdateRecordParser, AnotherItkEventIsNotAnUpdateRecord) {
    for (const char* file : {"business-ack.xml", "business-ack.json"}) {
        const RecordEvent ev = parse_update_record(message(file));
        EXPECT_EQ(ev.kind, EventKind::not_update_record) << file << ": " << ev.parse_error;
        EXPECT_EQ(ev.feed, Feed::update_record);
        EXPECT_EQ(ev.entry_id, "ack-0001");
        EXPECT_EQ(ev.author.ods, "FA123");
        EXPECT_EQ(ev.update_record.sender_mailbox, "FA123OT001");
        EXPECT_NE(ev.parse_error.find("ITK008M"), std::string::npos) << ev.parse_error;
        // Nothing about the patient is taken from a message that is not an Update Record.
        EXPECT_TRUE(ev.nhs_number.empty());
        EXPECT_TRUE(ev.codes.empty());
    }
}

TEST(UpdateRecordParser, AnEventFromAnotherCodeSystemIsNotAnUpdateRecord) {
    const std::string xml = test::replaced(message("pharmacy-first-uti.xml"),
                                           "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2",
                                           "https://example.org/events");
    ASSERT_FALSE(xml.empty());
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_EQ(ev.kind, EventKind::not_update_record);
    EXPECT_NE(ev.parse_error.find("https://example.org/events"), std::string::npos) << ev.parse_error;
}

TEST(UpdateRecordParser, ByteOrderMarkAndLeadingWhiteSpaceAreAccepted) {
    for (const char* file : {"bp-check.xml", "bp-check.json"}) {
        const RecordEvent ev = parse_update_record("\xEF\xBB\xBF \r\n\t" + message(file));
        EXPECT_EQ(ev.kind, EventKind::entry_created) << file << ": " << ev.parse_error;
    }
}

// NHS England's examples, with the quirks real messages have (SOURCES.md beside them).
std::string published(const char* file) {
    return test::read_file(test::published_example_dir() + "/" + file);
}

TEST(PublishedExamples, PharmacyFirstExample) {
    const std::string xml = published("pharmacy-first-service--example-1.xml");
    if (xml.empty()) GTEST_SKIP() << "NHS England's examples are not at " << test::published_example_dir();
    const RecordEvent ev = parse_update_record(xml);
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.entry_id, "minor-illness-common-conditions-service--example-1");
    EXPECT_EQ(ev.update_record.document_id, "aa7f9697-1a1e-41ee-9c62-cbaa68b35189");
    EXPECT_EQ(ev.author.ods, "FQW30");  // the header Organization, not the document's placeholder A(*)
    EXPECT_EQ(ev.author.name, "The Dispensers");
    EXPECT_EQ(ev.author.org_type, "community-pharmacy");
    EXPECT_EQ(ev.update_record.sender_mailbox, "SENDER_MESH_MAILBOX_ID");
    EXPECT_EQ(ev.update_record.service_code, "1577041000000109");
    EXPECT_EQ(ev.nhs_number, "4857773456");
    EXPECT_FALSE(ev.nhs_number_valid);  // the published number fails its check digit
    EXPECT_EQ(ev.time, utc(2023, 8, 8, 8, 19, 16));
    EXPECT_EQ(ev.update_record.encounter_time, utc(2023, 8, 8, 0, 0, 0));  // a bare date
    EXPECT_TRUE(has_code(ev.codes, kSct, "276433004", "Condition"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "407556006", "Observation"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "8392000", "Observation"));
    ASSERT_EQ(ev.medicines.size(), 1u);
    EXPECT_EQ(ev.medicines[0].system, kDmd);
    EXPECT_EQ(ev.medicines[0].code, "289411000001107");
    EXPECT_FALSE(ev.nopat);
}

TEST(PublishedExamples, BloodPressureCheckExample) {
    const std::string xml = published("blood-pressure-check-service--example-1.xml");
    if (xml.empty()) GTEST_SKIP() << "NHS England's examples are not at " << test::published_example_dir();
    const RecordEvent ev = parse_update_record(xml);
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.update_record.service_code, "1659111000000107");
    EXPECT_EQ(ev.author.ods, "FQW30");
    EXPECT_TRUE(has_code(ev.codes, kSct, "163020007", "Observation"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "72313002", "Observation"));
    EXPECT_TRUE(has_code(ev.codes, kSct, "1091811000000100", "Observation"));  // sic, as published
    EXPECT_TRUE(ev.medicines.empty());
}

}  // namespace
}  // namespace gpwatch::update_record
