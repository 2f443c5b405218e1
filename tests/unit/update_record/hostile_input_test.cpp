// Input written to hurt a parser: entity expansion, external entities, deep nesting, huge bodies.
// Each must be refused, quickly, and without reading anything outside the message.

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "connectors/update_record/update_record_parser.hpp"
#include "tests/unit/update_record/test_messages.hpp"

namespace gpwatch::update_record {
namespace {

using Clock = std::chrono::steady_clock;

// Every text field of the event, to check nothing from outside the message got into it.
std::string all_text(const RecordEvent& ev) {
    std::string s = ev.entry_id + ev.update_record.document_id + ev.nhs_number + ev.author.ods + ev.author.name + ev.update_record.sender_mailbox +
                    ev.update_record.service_code + ev.update_record.service_display + ev.update_record.replaces + ev.parse_error;
    for (const auto& c : ev.codes) s += c.system + c.code + c.display;
    return s;
}

TEST(HostileInput, BillionLaughsIsRefusedForItsDoctype) {
    std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE Bundle [\n <!ENTITY lol \"lol\">\n";
    xml += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
    for (int i = 2; i <= 9; ++i) {
        xml += " <!ENTITY lol" + std::to_string(i) + " \"";
        for (int k = 0; k < 10; ++k) xml += "&lol" + std::to_string(i - 1) + ";";
        xml += "\">\n";
    }
    xml += "]>\n<Bundle xmlns=\"http://hl7.org/fhir\"><id value=\"&lol9;\"/><type value=\"message\"/></Bundle>";
    const auto start = Clock::now();
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_NE(ev.parse_error.find("DOCTYPE"), std::string::npos) << ev.parse_error;
    EXPECT_EQ(ev.raw, xml);
    EXPECT_EQ(all_text(ev).find("lollol"), std::string::npos);
}

TEST(HostileInput, ExternalEntityIsNeverRead) {
    const std::string decls[] = {
        "<!DOCTYPE Bundle [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
        "<!DOCTYPE Bundle [<!ENTITY % xxe SYSTEM \"file:///etc/passwd\"> %xxe;]>",
        "<!DOCTYPE Bundle SYSTEM \"file:///etc/passwd\">",
    };
    for (const std::string& decl : decls) {
        // A real Update Record with the DOCTYPE put in front: the whole message is refused.
        std::string xml = test::message("pharmacy-first-uti.xml");
        ASSERT_FALSE(xml.empty());
        xml = decl + "\n" + test::replaced(xml, "Riverside Pharmacy", "&xxe;");
        const RecordEvent ev = parse_update_record(xml);
        EXPECT_EQ(ev.kind, EventKind::unparseable) << decl;
        EXPECT_NE(ev.parse_error.find("DOCTYPE"), std::string::npos) << ev.parse_error;
        EXPECT_EQ(all_text(ev).find("root:"), std::string::npos);
        EXPECT_EQ(ev.raw, xml);  // the bytes as received, nothing substituted into them
    }
}

TEST(HostileInput, ExternalEntityReferenceWithoutADoctypeIsAnError) {
    const std::string xml =
        test::replaced(test::message("pharmacy-first-uti.xml"), "Riverside Pharmacy", "&xxe;");
    ASSERT_FALSE(xml.empty());
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_NE(ev.parse_error.find("undeclared entity reference '&xxe;'"), std::string::npos) << ev.parse_error;
}

TEST(HostileInput, TenThousandDeepXmlIsRefusedByDepth) {
    std::string xml = "<Bundle xmlns=\"http://hl7.org/fhir\">";
    for (int i = 0; i < 10000; ++i) xml += "<extension>";
    for (int i = 0; i < 10000; ++i) xml += "</extension>";
    xml += "</Bundle>";
    const auto start = Clock::now();
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_NE(ev.parse_error.find("nested deeper than 64"), std::string::npos) << ev.parse_error;
}

TEST(HostileInput, TenThousandDeepJsonIsRefusedByDepth) {
    for (const char* open_close : {"{}", "[]"}) {
        std::string json = "{\"resourceType\":\"Bundle\",\"a\":";
        for (int i = 0; i < 10000; ++i) json += open_close[0] == '{' ? std::string("{\"a\":") : std::string("[");
        json += "1";
        for (int i = 0; i < 10000; ++i) json += open_close[1];
        json += "}";
        const RecordEvent ev = parse_update_record(json);
        EXPECT_EQ(ev.kind, EventKind::unparseable);
        EXPECT_NE(ev.parse_error.find("JSON is not well-formed"), std::string::npos) << ev.parse_error;
    }
}

TEST(HostileInput, DepthJustOverTheLimitIsRefusedInBothForms) {
    // Within Boost.JSON's own bound, so the element depth check itself decides.
    ParseLimits limits;
    limits.max_depth = 10;
    std::string xml = "<Bundle xmlns=\"http://hl7.org/fhir\">", json = "{\"resourceType\":\"Bundle\"";
    for (int i = 0; i < 10; ++i) { xml += "<meta>"; json += ",\"meta\":{\"x\":\"y\""; }
    for (int i = 0; i < 10; ++i) { xml += "</meta>"; json += "}"; }
    xml += "</Bundle>";
    json += "}";
    for (const std::string& m : {xml, json}) {
        const RecordEvent ev = parse_update_record(m, limits);
        EXPECT_EQ(ev.kind, EventKind::unparseable);
        EXPECT_NE(ev.parse_error.find("nested deeper than 10"), std::string::npos) << ev.parse_error;
    }
}

TEST(HostileInput, FiftyMegabyteBodyIsRefusedUnreadAndQuickly) {
    std::string xml = "<Bundle xmlns=\"http://hl7.org/fhir\"><id value=\"";
    xml.append(50u * 1024 * 1024, 'a');
    xml += "\"/></Bundle>";
    const auto start = Clock::now();
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_NE(ev.parse_error.find("over the limit of 20971520"), std::string::npos) << ev.parse_error;
    EXPECT_EQ(ev.raw.size(), xml.size());
}

TEST(HostileInput, TooManyElementsIsRefusedInBothForms) {
    ParseLimits limits;
    limits.max_elements = 1000;
    std::string xml = "<Bundle xmlns=\"http://hl7.org/fhir\">", json = "{\"resourceType\":\"Bundle\",\"entry\":[";
    for (int i = 0; i < 5000; ++i) {
        xml += "<entry/>";
        json += i ? ",{}" : "{}";
    }
    xml += "</Bundle>";
    json += "]}";
    for (const std::string& m : {xml, json}) {
        const RecordEvent ev = parse_update_record(m, limits);
        EXPECT_EQ(ev.kind, EventKind::unparseable);
        EXPECT_NE(ev.parse_error.find("more than 1000 elements"), std::string::npos) << ev.parse_error;
    }
}

TEST(HostileInput, ThousandsOfNamespaceDeclarationsAreRefused) {
    std::string xml = "<Bundle xmlns=\"http://hl7.org/fhir\"";
    for (int i = 0; i < 5000; ++i) xml += " xmlns:p" + std::to_string(i) + "=\"urn:x\"";
    xml += ">";
    for (int i = 0; i < 5000; ++i) xml += "<entry/>";
    xml += "</Bundle>";
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_NE(ev.parse_error.find("namespace declarations"), std::string::npos) << ev.parse_error;
}

TEST(HostileInput, ControlCharactersInQuotedValuesDoNotReachTheError) {
    const std::string xml = test::replaced(test::message("pharmacy-first-uti.xml"),
                                           "<timestamp value=\"2026-11-02T10:20:31.1234567+00:00\" />",
                                           "<timestamp value=\"x&#10;FAKE LOG LINE\" />");
    ASSERT_FALSE(xml.empty());
    const RecordEvent ev = parse_update_record(xml);
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_EQ(ev.parse_error.find('\n'), std::string::npos) << ev.parse_error;
}

}  // namespace
}  // namespace gpwatch::update_record
