// The two readers build the same tree from the two wire forms; FHIR dates read as FHIR says.

#include <string>

#include <date/date.h>
#include <gtest/gtest.h>

#include "connectors/update_record/fhir_time.hpp"
#include "connectors/update_record/json_reader.hpp"
#include "connectors/update_record/xml_reader.hpp"

namespace gpwatch::update_record {
namespace {

std::string dump(const FhirElement& e, int indent = 0) {
    std::string s(static_cast<std::size_t>(indent), ' ');
    s += e.name;
    if (!e.value.empty()) s += "=" + e.value;
    s += "\n";
    for (const auto& c : e.children) s += dump(c, indent + 1);
    return s;
}

std::string xml_tree(const std::string& xml) {
    const FhirReadResult r = read_fhir_xml(xml, {});
    EXPECT_TRUE(r.ok) << r.error;
    return dump(r.root);
}

std::string json_tree(const std::string& json) {
    const FhirReadResult r = read_fhir_json(json, {});
    EXPECT_TRUE(r.ok) << r.error;
    return dump(r.root);
}

TEST(FhirReaders, JsonConventionsBecomeTheXmlShape) {
    const std::string xml = R"(<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <extension url="https://example.org/ext"><valueBoolean value="true"/></extension>
  <name><given value="Ann"/><given><extension url="u"><valueString value="x"/></extension></given></name>
  <birthDate value="1990-04-01"><extension url="t"><valueInteger value="3"/></extension></birthDate>
  <contained><Medication><id value="m"/></Medication></contained>
  <multipleBirthInteger value="2"/>
  <weight value="37.4"/>
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Anything</p></div></text>
</Patient>)";
    const std::string json = R"({"resourceType":"Patient","id":"p1",
  "extension":[{"url":"https://example.org/ext","valueBoolean":true}],
  "name":[{"given":["Ann",null],"_given":[null,{"extension":[{"url":"u","valueString":"x"}]}]}],
  "birthDate":"1990-04-01","_birthDate":{"extension":[{"url":"t","valueInteger":3}]},
  "contained":[{"resourceType":"Medication","id":"m"}],
  "multipleBirthInteger":2,"weight":37.40,
  "text":{"status":"generated","div":""}})";
    EXPECT_EQ(xml_tree(xml), json_tree(json));
}

TEST(FhirReaders, XmlNamespacePrefixesAndReferencesAreResolved) {
    const FhirReadResult r = read_fhir_xml(
        R"(<f:Bundle xmlns:f="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x"><f:id value="a&amp;b&#x41;&#66;&lt;&quot;"/></f:Bundle>)",
        {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.root.name, "Bundle");
    ASSERT_EQ(r.root.children.size(), 1u);
    EXPECT_EQ(r.root.child_value("id"), "a&bAB<\"");
}

TEST(FhirReaders, XmlCharacterReferencesToForbiddenCharactersAreRefused) {
    for (const char* bad : {"&#0;", "&#xD800;", "&#x110000;", "&#1;", "&#;", "&#x;", "&#12a;"}) {
        const FhirReadResult r =
            read_fhir_xml(std::string("<Bundle xmlns=\"http://hl7.org/fhir\"><id value=\"") + bad + "\"/></Bundle>", {});
        EXPECT_FALSE(r.ok) << bad;
    }
}

TEST(FhirReaders, XmlWithTwoRootsOrUtf16IsRefused) {
    EXPECT_FALSE(read_fhir_xml("\xFF\xFE<\0B\0", {}).ok);
    const FhirReadResult r = read_fhir_xml(R"(<Bundle xmlns="http://hl7.org/fhir"/><Bundle xmlns="http://hl7.org/fhir"/>)", {});
    EXPECT_FALSE(r.ok);
}

SysSeconds utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return SysSeconds{date::sys_days{date::year{y} / mo / d}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{s};
}

TEST(FhirTime, DatesAndDateTimes) {
    EXPECT_EQ(parse_fhir_datetime("2023-08-08"), utc(2023, 8, 8));
    EXPECT_EQ(parse_fhir_datetime("2023-08-08T09:19:16.9316747+01:00"), utc(2023, 8, 8, 8, 19, 16));
    EXPECT_EQ(parse_fhir_datetime("2023-12-31T23:30:00-01:00"), utc(2024, 1, 1, 0, 30, 0));
    EXPECT_EQ(parse_fhir_datetime("2023-08-08T09:19:16Z"), utc(2023, 8, 8, 9, 19, 16));
    for (const char* bad : {"", "2023", "2023-08", "2023-02-30", "2023-08-08T09:19:16", "2023-08-08T09:19Z",
                            "2023-08-08T24:00:00Z", "2023-08-08T09:19:16.Z", "2023-08-08T09:19:16+0100",
                            "2023-08-08 09:19:16Z", "2023-08-08T09:19:16Zjunk"})
        EXPECT_FALSE(parse_fhir_datetime(bad).has_value()) << bad;
}

}  // namespace
}  // namespace gpwatch::update_record
