// Messages that cannot be used: each is unparseable, keeps its bytes, and says what is wrong
// without repeating anything about the patient.

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/update_record/update_record_parser.hpp"
#include "tests/unit/update_record/test_messages.hpp"

namespace gpwatch::update_record {
namespace {

using test::message;
using test::replaced;

// Parses `bytes`, expects it unparseable with `why` in its error, and checks the event is safe to
// log and keeps the bytes for quarantine.
RecordEvent expect_unparseable(const std::string& bytes, const std::string& why) {
    const RecordEvent ev = parse_update_record(bytes);
    EXPECT_EQ(ev.kind, EventKind::unparseable) << "parsed, expected: " << why;
    EXPECT_EQ(ev.feed, Feed::update_record);
    EXPECT_NE(ev.parse_error.find(why), std::string::npos) << "error was: " << ev.parse_error;
    EXPECT_EQ(ev.raw, bytes);
    EXPECT_TRUE(ev.nhs_number.empty());
    EXPECT_TRUE(ev.codes.empty());
    EXPECT_TRUE(ev.medicines.empty());
    for (const char* patient_detail : {"9000000009", "TESTPATIENT", "1990-04-01"})
        EXPECT_EQ(ev.parse_error.find(patient_detail), std::string::npos) << ev.parse_error;
    return ev;
}

const std::string kUti = "pharmacy-first-uti.xml";
const std::string kPatientUrl = "urn:uuid:5f0c1a6e-0000-4000-8000-000000000009";

TEST(MalformedMessage, NotAMessageAtAll) {
    expect_unparseable("", "empty");
    expect_unparseable(" \r\n ", "empty");
    expect_unparseable("MESSAGE FOLLOWS", "neither XML nor JSON");
    expect_unparseable("[1, 2]", "neither XML nor JSON");
}

TEST(MalformedMessage, TruncatedXmlSaysWhere) {
    const std::string xml = message(kUti);
    expect_unparseable(xml.substr(0, xml.size() / 2), "XML is not well-formed");
}

TEST(MalformedMessage, TruncatedJsonSaysWhere) {
    const std::string json = message("pharmacy-first-uti.json");
    expect_unparseable(json.substr(0, json.size() / 2), "JSON is not well-formed");
}

TEST(MalformedMessage, XmlOutsideTheFhirNamespace) {
    expect_unparseable(replaced(message(kUti), " xmlns=\"http://hl7.org/fhir\"", ""), "in no namespace");
    expect_unparseable(replaced(message(kUti), "<type value=\"message\" />", "<x:type xmlns:x=\"urn:other\" value=\"message\" />"),
                       "namespace 'urn:other'");
}

TEST(MalformedMessage, NotValidUtf8) {
    expect_unparseable(replaced(message(kUti), "Riverside", "River\xC3\x28side"), "not valid UTF-8");
}

TEST(MalformedMessage, NotAnItk3MessageBundle) {
    expect_unparseable(R"({"resourceType":"Patient","id":"x"})", "not a Bundle");
    expect_unparseable(R"({"id":"x"})", "no resourceType");
    expect_unparseable(replaced(message(kUti), "<type value=\"message\" />", "<type value=\"collection\" />"),
                       "not 'message'");
    expect_unparseable(replaced(message(kUti), "<value value=\"pf-uti-0001\" />", ""), "no identifier value");
    expect_unparseable(replaced(replaced(message(kUti), "<MessageHeader>", "<Basic>"), "</MessageHeader>", "</Basic>"),
                       "first entry is not a MessageHeader");
}

TEST(MalformedMessage, FocusPointingNowhere) {
    const RecordEvent ev = expect_unparseable(
        replaced(message(kUti), "<focus>\n          <reference value=\"urn:uuid:5f0c1a6e-0000-4000-8000-000000000003\"",
                 "<focus>\n          <reference value=\"urn:uuid:5f0c1a6e-0000-4000-8000-0000000000ff\""),
        "reference urn:uuid:5f0c1a6e-0000-4000-8000-0000000000ff in MessageHeader points to no entry");
    EXPECT_EQ(ev.entry_id, "pf-uti-0001");  // which message it was is still known
}

TEST(MalformedMessage, FocusOnSomethingOtherThanTheDocument) {
    expect_unparseable(replaced(message(kUti),
                                "<focus>\n          <reference value=\"urn:uuid:5f0c1a6e-0000-4000-8000-000000000003\"",
                                "<focus>\n          <reference value=\"urn:uuid:5f0c1a6e-0000-4000-8000-000000000002\""),
                       "MessageHeader.focus points to a 'Organization', not a Bundle");
}

TEST(MalformedMessage, SectionEntryPointingNowhere) {
    expect_unparseable(replaced(message(kUti), "<reference value=\"urn:uuid:6a000000-0000-4000-8000-000000000004\" />",
                                "<reference value=\"urn:uuid:6a000000-0000-4000-8000-0000000000aa\" />"),
                       "in Composition points to no entry");
}

TEST(MalformedMessage, TwoEntriesWithOneFullUrl) {
    // The Organization entry takes the Patient's fullUrl: which one "subject" means is ambiguous.
    expect_unparseable(replaced(message(kUti), "<fullUrl value=\"urn:uuid:5f0c1a6e-0000-4000-8000-000000000006\" />",
                                "<fullUrl value=\"" + kPatientUrl + "\" />"),
                       "two entries of the document Bundle have the fullUrl " + kPatientUrl);
}

TEST(MalformedMessage, SubjectThatIsNotAPatient) {
    expect_unparseable(replaced(message(kUti), "<subject>\n                <reference value=\"" + kPatientUrl,
                                "<subject>\n                <reference value=\"urn:uuid:5f0c1a6e-0000-4000-8000-000000000006"),
                       "Composition.subject points to a 'Organization', not a Patient");
}

// Removes the entry at `url` and every reference to it, the way a sender that left the Patient out
// altogether would have written the message.
void drop_resource(boost::json::value& v, const std::string& url) {
    auto refers = [&](const boost::json::value& x) {
        const auto* o = x.if_object();
        if (o == nullptr) return false;
        if (const auto* r = o->if_contains("reference"); r && r->is_string() && r->get_string() == url) return true;
        if (const auto* f = o->if_contains("fullUrl"); f && f->is_string() && f->get_string() == url) return true;
        return false;
    };
    if (auto* o = v.if_object()) {
        for (auto it = o->begin(); it != o->end();) {
            if (refers(it->value())) it = o->erase(it);
            else drop_resource((it++)->value(), url);
        }
    } else if (auto* a = v.if_array()) {
        for (auto it = a->begin(); it != a->end();) {
            if (refers(*it)) it = a->erase(it);
            else drop_resource(*it++, url);
        }
    }
}

TEST(MalformedMessage, NoPatient) {
    boost::json::value v = boost::json::parse(message("pharmacy-first-uti.json"));
    drop_resource(v, kPatientUrl);
    const std::string json = boost::json::serialize(v);
    ASSERT_EQ(json.find("\"Patient\""), std::string::npos);
    const RecordEvent ev = expect_unparseable(json, "the document has no Patient");
    EXPECT_EQ(ev.entry_id, "pf-uti-0001");
    EXPECT_EQ(ev.author.ods, "FA123");
}

TEST(MalformedMessage, PatientWithoutNhsNumber) {
    expect_unparseable(replaced(message(kUti), "https://fhir.nhs.uk/Id/nhs-number", "https://example.org/local-id"),
                       "the Patient has no NHS number");
}

TEST(MalformedMessage, SenderWithoutOdsCode) {
    expect_unparseable(replaced(message(kUti), "https://fhir.nhs.uk/Id/ods-organization-code", "https://example.org/org"),
                       "the sending Organization has no ODS code");
}

TEST(MalformedMessage, TimesThatAreNotFhirDateTimes) {
    expect_unparseable(replaced(message(kUti), "<timestamp value=\"2026-11-02T10:20:31.1234567+00:00\" />",
                                "<timestamp value=\"yesterday\" />"),
                       "MessageHeader.timestamp 'yesterday'");
    expect_unparseable(replaced(message(kUti), "<start value=\"2026-11-02T10:00:00+00:00\" />",
                                "<start value=\"2026-11-02T10:00:00\" />"),
                       "Encounter.period.start");
    expect_unparseable(replaced(message(kUti), "<start value=\"2026-11-02T10:00:00+00:00\" />", ""),
                       "the Encounter has no period.start");
}

TEST(MalformedMessage, JsonThatBreaksFhirJsonRules) {
    const std::string json = message("pharmacy-first-uti.json");
    expect_unparseable(replaced(json, "\"status\": \"final\"", "\"status\": \"final\", \"_status\": [1, 2]"),
                       "is an array but");
    expect_unparseable(replaced(json, "\"status\": \"final\"", "\"status\": [[\"final\"]]"), "an array inside the array");
    expect_unparseable(replaced(json, "\"resourceType\": \"Composition\"", "\"resourceType\": 7"), "no resourceType");
}

TEST(MalformedMessage, UndeclaredEntityReference) {
    expect_unparseable(replaced(message(kUti), "Riverside Pharmacy", "Riverside&nbsp;Pharmacy"),
                       "undeclared entity reference '&nbsp;'");
}

}  // namespace
}  // namespace gpwatch::update_record
