// RecordIngest with messages from the MESH mailbox: each MESH id is recorded once whatever it
// turned out to be, and a message downloaded again (MESH delivers at least once) changes nothing.

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "daemon/ingest/record_ingest.hpp"

using namespace gpwatch;
using namespace std::chrono_literals;

namespace {

Settings settings() {
    Settings s;
    s.practice_ods = "C84001";
    s.practice_name = "Example Medical Practice";
    s.default_review_within = 1h;
    for (auto& d : s.calendar.hours.days) d = DayHours{0min, 24h};
    s.allowed.push_back({"FQW30", "Example Pharmacy", 1h});
    return s;
}

RecordEvent from_mesh(const std::string& mesh_id) {
    RecordEvent ev;
    ev.feed = Feed::update_record;
    ev.practice = "C84001";
    ev.mesh_message_id = mesh_id;
    ev.mesh_workflow_id = "GPCONNECT_UPDATE_RECORD";
    ev.sender_mailbox = "FQW30OT001";
    ev.time = SysSeconds{std::chrono::seconds{1'800'000'000}};
    return ev;
}

RecordEvent update_record(const std::string& mesh_id, const std::string& bundle_id) {
    auto ev = from_mesh(mesh_id);
    ev.kind = EventKind::entry_created;
    ev.entry_id = bundle_id;
    ev.nhs_number = "9434765919";
    ev.nhs_number_valid = true;
    ev.author = {"FQW30", "Example Pharmacy", "community-pharmacy", "", ""};
    ev.route = "update-record";
    ev.resource_type = "Composition";
    return ev;
}

RecordEvent unparseable(const std::string& mesh_id) {
    auto ev = from_mesh(mesh_id);
    ev.kind = EventKind::unparseable;
    ev.entry_id = mesh_id;
    ev.raw = "<Bundle";
    ev.parse_error = "XML ends too early at byte 7";
    return ev;
}

RecordEvent report(const std::string& mesh_id) {
    auto ev = from_mesh(mesh_id);
    ev.kind = EventKind::other;
    ev.entry_id = mesh_id;
    ev.mesh_report = true;
    ev.mesh_status_code = "14";
    ev.mesh_status_description = "Undelivered message";
    ev.mesh_linked_message_id = "M-0";
    return ev;
}

class MeshIngestTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-mesh-ingest-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
        ingest_ = std::make_unique<RecordIngest>(*ledger_, pseudonymiser_);
    }
    void TearDown() override {
        ingest_.reset();
        ledger_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
    ActiveSettings active_{settings()};
    Pseudonymiser pseudonymiser_{"0123456789abcdef0123456789abcdef"};
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<RecordIngest> ingest_;
};

}  // namespace

TEST_F(MeshIngestTest, EachMeshIdIsRecordedOnceAsWhatItIs) {
    auto other = from_mesh("M-4");
    other.kind = EventKind::not_update_record;
    other.entry_id = "bundle-4";
    other.parse_error = "MessageHeader event ITK008M is not ITK014M";
    std::vector<RecordEvent> batch{update_record("M-1", "bundle-1"), unparseable("M-2"), report("M-3"), other};
    auto first = ingest_->apply(active_, batch, 1'800'000'100);
    EXPECT_EQ(first.replays_skipped, 0);
    EXPECT_EQ(first.writes_recorded, 2) << "the Update Record and the quarantined message";

    auto rows = ledger_->list_mesh_messages();
    ASSERT_EQ(rows.size(), 4u);
    std::map<std::string, MeshMessageRow> by_id;
    for (auto& r : rows) by_id[r.mesh_id] = r;
    EXPECT_EQ(by_id["M-1"].outcome, "update-record");
    EXPECT_EQ(by_id["M-1"].upstream_id, "bundle-1");
    EXPECT_EQ(by_id["M-2"].outcome, "unparseable");
    EXPECT_EQ(by_id["M-3"].outcome, "report");
    EXPECT_EQ(by_id["M-3"].message_type, "REPORT");
    EXPECT_EQ(by_id["M-3"].linked_message_id, "M-0");
    EXPECT_EQ(by_id["M-4"].outcome, "not-update-record");

    auto writes = ledger_->list_writes(false);
    ASSERT_EQ(writes.size(), 2u);
    EXPECT_EQ(ledger_->list_alerts().size(), 1u) << "one unparseable_message alert";

    // MESH hands the same messages over again (the acknowledgements were lost): nothing changes.
    auto again = ingest_->apply(active_, batch, 1'800'000'200);
    EXPECT_EQ(again.replays_skipped, 4);
    EXPECT_EQ(again.writes_recorded, 0);
    EXPECT_EQ(again.alerts_created, 0);
    EXPECT_EQ(ledger_->list_mesh_messages().size(), 4u);
    EXPECT_EQ(ledger_->list_writes(false).size(), 2u);
    EXPECT_EQ(ledger_->list_alerts().size(), 1u);
}

TEST_F(MeshIngestTest, TheSameUpdateRecordInTwoMeshMessagesIsOneWrite) {
    // A sender that re-sends the same Update Record (same Bundle identifier) in a new MESH message.
    ingest_->apply(active_, {update_record("M-1", "bundle-1")}, 1'800'000'100);
    auto second = ingest_->apply(active_, {update_record("M-9", "bundle-1")}, 1'800'000'200);
    EXPECT_EQ(second.replays_skipped, 0) << "a new MESH message";
    EXPECT_EQ(ledger_->list_mesh_messages().size(), 2u);
    auto writes = ledger_->list_writes(false);
    ASSERT_EQ(writes.size(), 1u);
    EXPECT_EQ(writes[0].upstream_id, "bundle-1");
}
