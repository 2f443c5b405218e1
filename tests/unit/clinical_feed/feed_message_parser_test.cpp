#include "connectors/clinical_feed/feed_message_parser.hpp"

#include <gtest/gtest.h>

using namespace gpwatch;
using namespace gpwatch::clinical_feed;

namespace {

// The example events of docs/protocols.md section 2, verbatim where they are complete.
const char* kCreated =
    R"({"type":"event","seq":4812,"time":"2026-05-11T10:42:07+01:00","practice":"C84001",
 "event":"entry.created",
 "entry":{"id":"e-7f3a9c","patient":{"nhs_number":"9434765919"},
          "author":{"ods":"RT5","name":"Leicestershire Partnership NHS Trust","org_type":"mental-health-trust",
                    "user_role":"R8000","user_id":"u-5521"},
          "route":"shared-record",
          "resource":{"resourceType":"Observation","status":"final",
                      "meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"NOPAT"}]},
                      "code":{"coding":[{"system":"http://snomed.info/sct","code":"225368008","display":"Seen by community mental health team"}]},
                      "effectiveDateTime":"2026-05-11T10:30:00+01:00"}}})";

}  // namespace

TEST(FeedMessageParser, ReadsAnEntryCreatedEvent) {
    FeedMessageParser p;
    auto m = p.parse(kCreated);
    auto* ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->seq, 4812u);
    EXPECT_EQ(ev->kind, EventKind::entry_created);
    EXPECT_EQ(ev->practice, "C84001");
    EXPECT_EQ(ev->entry_id, "e-7f3a9c");
    EXPECT_EQ(ev->nhs_number, "9434765919");
    EXPECT_TRUE(ev->nhs_number_valid);
    EXPECT_EQ(ev->author.ods, "RT5");
    EXPECT_EQ(ev->author.org_type, "mental-health-trust");
    EXPECT_EQ(ev->author.user_id, "u-5521");
    EXPECT_EQ(ev->route, "shared-record");
    EXPECT_EQ(ev->resource_type, "Observation");
    ASSERT_EQ(ev->codes.size(), 1u) << "the NOPAT security label is not a clinical code";
    EXPECT_EQ(ev->codes[0].code, "225368008");
    EXPECT_EQ(ev->codes[0].display, "Seen by community mental health team");
    EXPECT_EQ(ev->codes[0].resource, "Observation");
    EXPECT_TRUE(ev->nopat);
    // 10:42:07 at +01:00 is 09:42:07 UTC.
    SysSeconds expected;
    ASSERT_TRUE(parse_rfc3339("2026-05-11T09:42:07Z", expected));
    EXPECT_EQ(ev->time, expected);
}

TEST(FeedMessageParser, ReadsWorkflowEvents) {
    FeedMessageParser p;
    auto m = p.parse(R"({"type":"event","seq":4815,"time":"2026-05-11T11:00:00+01:00","practice":"C84001",
        "event":"workflow.rejected","item":{"kind":"entry","id":"e-7f3a9c"},
        "by":{"user_id":"u-0042","user_role":"R0260","name":"Example GP"}})");
    auto* ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->kind, EventKind::workflow_rejected);
    EXPECT_EQ(ev->item_kind, "entry");
    EXPECT_EQ(ev->item_id, "e-7f3a9c");
    EXPECT_EQ(ev->reviewer.name, "Example GP");
}

TEST(FeedMessageParser, EnteredInErrorNeedsNoResource) {
    FeedMessageParser p;
    auto m = p.parse(R"({"type":"event","seq":4814,"time":"2026-05-11T10:50:00Z","practice":"C84001",
        "event":"entry.entered-in-error","entry":{"id":"e-7f3a9c","author":{"ods":"RT5"}}})");
    auto* ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->kind, EventKind::entry_entered_in_error);
    EXPECT_TRUE(ev->nhs_number.empty());
}

TEST(FeedMessageParser, FlagsAnInvalidNhsNumberButKeepsTheEvent) {
    FeedMessageParser p;
    std::string frame = kCreated;
    frame.replace(frame.find("9434765919"), 10, "9434765918");
    auto m = p.parse(frame);
    auto* e2 = std::get_if<RecordEvent>(&m);
    ASSERT_NE(e2, nullptr);
    EXPECT_FALSE(e2->nhs_number_valid);
}

TEST(FeedMessageParser, HeartbeatErrorAndUnknownTypes) {
    FeedMessageParser p;
    auto hb = p.parse(R"({"type":"heartbeat","seq":99})");
    ASSERT_TRUE(std::holds_alternative<Heartbeat>(hb));
    EXPECT_EQ(std::get<Heartbeat>(hb).latest_seq, 99u);
    auto err = p.parse(R"({"type":"error","message":"unknown practice"})");
    ASSERT_TRUE(std::holds_alternative<ServerError>(err));
    EXPECT_EQ(std::get<ServerError>(err).message, "unknown practice");
    EXPECT_TRUE(std::holds_alternative<Unrecognised>(p.parse(R"({"type":"something-new"})")));
    auto other = p.parse(R"({"type":"event","seq":5,"time":"2026-05-11T10:00:00Z","event":"record.merged"})");
    ASSERT_TRUE(std::holds_alternative<RecordEvent>(other));
    EXPECT_EQ(std::get<RecordEvent>(other).kind, EventKind::other);
}

TEST(FeedMessageParser, MalformedFramesSayWhatIsWrong) {
    FeedMessageParser p;
    auto not_json = p.parse("{\"type\":\"event\",");
    ASSERT_TRUE(std::holds_alternative<Malformed>(not_json));
    EXPECT_NE(std::get<Malformed>(not_json).why.find("not JSON"), std::string::npos);

    auto no_author = p.parse(R"({"type":"event","seq":8,"time":"2026-05-11T10:00:00Z","event":"entry.created",
        "entry":{"id":"e-1","resource":{"resourceType":"Observation"}}})");
    ASSERT_TRUE(std::holds_alternative<Malformed>(no_author));
    EXPECT_EQ(std::get<Malformed>(no_author).seq, 8u) << "the seq is kept so the event keeps its place";
    EXPECT_NE(std::get<Malformed>(no_author).why.find("author"), std::string::npos);

    auto bad_time = p.parse(R"({"type":"event","seq":9,"time":"11/05/2026","event":"entry.created"})");
    ASSERT_TRUE(std::holds_alternative<Malformed>(bad_time));
    EXPECT_NE(std::get<Malformed>(bad_time).why.find("RFC 3339"), std::string::npos);
}

TEST(Rfc3339, AcceptsOffsetsFractionsAndZ) {
    SysSeconds a, b, c;
    ASSERT_TRUE(parse_rfc3339("2026-10-25T01:30:00+01:00", a));
    ASSERT_TRUE(parse_rfc3339("2026-10-25T00:30:00.123Z", b));
    ASSERT_TRUE(parse_rfc3339("2026-10-24T19:30:00-05:00", c));
    EXPECT_EQ(a, b);
    EXPECT_EQ(b, c);
    SysSeconds x;
    EXPECT_FALSE(parse_rfc3339("2026-10-25T01:30:00", x)) << "an offset is required";
    EXPECT_FALSE(parse_rfc3339("2026-02-30T01:30:00Z", x));
    EXPECT_FALSE(parse_rfc3339("2026-10-25 01:30:00Z", x));
    EXPECT_FALSE(parse_rfc3339("", x));
}

TEST(FeedMessageParser, ReadsSharingChangedAsFeedsMdShowsIt) {
    FeedMessageParser p;
    auto m = p.parse(R"({"type":"event","seq":4816,"time":"2026-05-11T10:50:00+01:00","practice":"C84001",
        "event":"sharing.changed","setting":"update-record","value":"off",
        "changed_by":{"kind":"supplier","name":"system supplier"}})");
    auto* ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->kind, EventKind::sharing_changed);
    EXPECT_EQ(ev->setting, "update-record");
    EXPECT_EQ(ev->setting_value, "off");
    EXPECT_EQ(ev->changed_by_kind, "supplier");
    EXPECT_EQ(ev->changed_by_name, "system supplier");

    m = p.parse(R"({"type":"event","seq":4818,"time":"2026-05-11T10:51:00+01:00","practice":"C84001",
        "event":"sharing.changed","setting":"share-in","ods":"RW1","value":"allowed",
        "changed_by":{"kind":"practice-user","user_id":"u-0042","name":"Practice Manager"}})");
    ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->setting_ods, "RW1");
    EXPECT_EQ(ev->changed_by_user_id, "u-0042");

    m = p.parse(R"({"type":"event","seq":4819,"time":"2026-05-11T10:52:00+01:00","practice":"C84001",
        "event":"sharing.changed","setting":"agreement","agreement":"LLR shared care","value":"active"})");
    ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->setting_agreement, "LLR shared care");
    EXPECT_EQ(ev->setting_value, "active");
}

TEST(FeedMessageParser, SharingChangedMissingItsContractFieldsIsMalformed) {
    FeedMessageParser p;
    auto m = p.parse(R"({"type":"event","seq":7,"time":"2026-05-11T10:50:00+01:00","practice":"C84001",
        "event":"sharing.changed","setting":"share-in","value":"allowed"})");
    auto* bad = std::get_if<Malformed>(&m);
    ASSERT_NE(bad, nullptr);
    EXPECT_NE(bad->why.find("ods"), std::string::npos) << bad->why;
    EXPECT_EQ(bad->seq, 7u);
}

TEST(FeedMessageParser, ReadsPatientFlags) {
    FeedMessageParser p;
    auto m = p.parse(R"({"type":"event","seq":4817,"time":"2026-05-11T10:55:00+01:00","practice":"C84001",
        "event":"patient.flags","patient":{"nhs_number":"9434765919"},
        "added":[{"system":"urn:gpwatch:flag","code":"online-access"}],
        "removed":[{"system":"http://snomed.info/sct","code":"1364731000000104"}]})");
    auto* ev = std::get_if<RecordEvent>(&m);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(ev->kind, EventKind::patient_flags);
    EXPECT_EQ(ev->nhs_number, "9434765919");
    EXPECT_TRUE(ev->nhs_number_valid);
    ASSERT_EQ(ev->flags_added.size(), 1u);
    EXPECT_EQ(ev->flags_added[0].code, "online-access");
    ASSERT_EQ(ev->flags_removed.size(), 1u);
    EXPECT_EQ(ev->flags_removed[0].code, "1364731000000104");

    m = p.parse(R"({"type":"event","seq":9,"time":"2026-05-11T10:55:00+01:00","practice":"C84001",
        "event":"patient.flags","added":[]})");
    EXPECT_NE(std::get_if<Malformed>(&m), nullptr) << "patient.flags names its patient";
}
