// mesh_intake: the MESH envelope decides before the body is read. A REPORT is never parsed, a
// workflow other than Update Record is said to be so, and a body that cannot be read keeps its
// bytes and is named by its MESH id.

#include "daemon/app/mesh_intake.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

using namespace gpwatch;

namespace {

const SysSeconds kReceived{std::chrono::seconds{1'800'000'000}};

mesh::MeshMessage data(std::string body, std::string workflow = kUpdateRecordWorkflow) {
    mesh::MeshMessage m;
    m.message_id = "20270115093000123_ABCDEF";
    m.from = "FQW30OT001";
    m.to = "C84001OT001";
    m.workflow_id = std::move(workflow);
    m.body = std::move(body);
    return m;
}

}  // namespace

TEST(MeshIntake, AReportIsRecordedAsADeliveryFailureAndNeverParsed) {
    auto m = data("<Bundle xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/></Bundle>");
    m.type = mesh::MeshMessageType::report;
    m.status_code = "14";
    m.status_description = "Undelivered message";
    m.linked_message_id = "20270115080000000_111111";
    auto ev = mesh_to_event(m, "C84001", kReceived);
    ASSERT_TRUE(ev.mesh);
    EXPECT_TRUE(ev.mesh->report);
    EXPECT_EQ(ev.kind, EventKind::other);
    EXPECT_EQ(ev.feed, Feed::update_record);
    EXPECT_EQ(ev.mesh->status_code, "14");
    EXPECT_EQ(ev.mesh->linked_message_id, "20270115080000000_111111");
    EXPECT_EQ(ev.entry_id, m.message_id);
    EXPECT_EQ(mesh_message_id(ev), m.message_id);
    EXPECT_TRUE(ev.raw.empty());
}

TEST(MeshIntake, AnotherWorkflowIsNotAnUpdateRecord) {
    auto ev = mesh_to_event(data("anything at all", "PATH_MEDRPT_V3"), "C84001", kReceived);
    EXPECT_EQ(ev.kind, EventKind::not_update_record);
    EXPECT_NE(ev.parse_error.find("PATH_MEDRPT_V3"), std::string::npos) << ev.parse_error;
    EXPECT_EQ(ev.entry_id, "20270115093000123_ABCDEF");
    EXPECT_EQ(ev.update_record.sender_mailbox, "FQW30OT001");
    EXPECT_EQ(ev.time, kReceived);
}

TEST(MeshIntake, AnUnreadableBodyKeepsItsBytesAndIsNamedByItsMeshId) {
    const std::string body = "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"message\"/>";  // truncated
    auto ev = mesh_to_event(data(body), "C84001", kReceived);
    EXPECT_EQ(ev.kind, EventKind::unparseable);
    EXPECT_EQ(ev.raw, body);
    EXPECT_FALSE(ev.parse_error.empty());
    EXPECT_FALSE(ev.entry_id.empty());
    EXPECT_EQ(mesh_message_id(ev), "20270115093000123_ABCDEF");
    EXPECT_EQ(ev.practice, "C84001");
}

TEST(MeshIntake, AnUpdateRecordIsParsedAndKeepsItsMeshEnvelope) {
    std::ifstream in(std::string(GPWATCH_TEST_DATA_DIR) + "/update_record/bp-check.xml", std::ios::binary);
    ASSERT_TRUE(in) << "tests/data/update_record/bp-check.xml";
    std::ostringstream body;
    body << in.rdbuf();
    auto m = data(body.str());
    m.from = "MESH-MAILBOX-FROM-HEADER";
    auto ev = mesh_to_event(m, "C84001", kReceived);
    ASSERT_EQ(ev.kind, EventKind::entry_created) << ev.parse_error;
    EXPECT_EQ(ev.feed, Feed::update_record);
    EXPECT_EQ(mesh_message_id(ev), "20270115093000123_ABCDEF");
    ASSERT_TRUE(ev.mesh);
    EXPECT_EQ(ev.mesh->workflow_id, kUpdateRecordWorkflow);
    EXPECT_NE(ev.entry_id, m.message_id) << "an Update Record is named by its own message id";
    EXPECT_FALSE(ev.entry_id.empty());
    EXPECT_NE(ev.update_record.sender_mailbox, "MESH-MAILBOX-FROM-HEADER") << "the message's own source endpoint wins";
    EXPECT_TRUE(ev.raw.empty()) << "only quarantined messages keep their bytes";
    EXPECT_EQ(ev.practice, "C84001");
}
