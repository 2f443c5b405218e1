// MESH bookkeeping in the ledger: each MESH message id is recorded once, survives a reopen (so a
// message downloaded again after a crash is recognised), and its acknowledgement is noted once.

#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/ledger_reader.hpp"

#include <filesystem>

#include <gtest/gtest.h>

using namespace gpwatch;

namespace {

class MeshMessagesTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-mesh-ledger-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "ledger.sqlite").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    static MeshMessageRow row(const std::string& id, const std::string& outcome) {
        MeshMessageRow r;
        r.mesh_id = id;
        r.message_type = outcome == "report" ? "REPORT" : "DATA";
        r.workflow_id = "GPCONNECT_UPDATE_RECORD";
        r.sender_mailbox = "FQW30OT001";
        r.outcome = outcome;
        r.upstream_id = outcome == "update-record" ? "msg-" + id : "";
        r.received_at = 1'790'000'000;
        return r;
    }

    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(MeshMessagesTest, RecordedOnceAcrossReopen) {
    {
        Ledger l(path_, Ledger::Access::read_write);
        l.begin();
        EXPECT_TRUE(l.record_mesh_message(row("20261122103000123456_ABC001", "update-record")));
        EXPECT_TRUE(l.record_mesh_message(row("20261122103000123456_ABC002", "report")));
        EXPECT_FALSE(l.record_mesh_message(row("20261122103000123456_ABC001", "unparseable")));
        l.commit();
    }
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    EXPECT_FALSE(l.record_mesh_message(row("20261122103000123456_ABC001", "update-record")));
    l.commit();
    auto all = LedgerReader(l).mesh_messages();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].outcome, "update-record");  // the first record stands
    EXPECT_EQ(all[0].upstream_id, "msg-20261122103000123456_ABC001");
    EXPECT_EQ(all[1].message_type, "REPORT");
}

TEST_F(MeshMessagesTest, RolledBackBatchLeavesNoRecord) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    EXPECT_TRUE(l.record_mesh_message(row("A1", "update-record")));
    l.rollback();
    EXPECT_TRUE(LedgerReader(l).mesh_messages().empty());
}

TEST_F(MeshMessagesTest, AcknowledgementNotedOnce) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    l.record_mesh_message(row("A1", "update-record"));
    l.commit();
    l.mark_mesh_acknowledged("A1", 1'790'000'100);
    l.mark_mesh_acknowledged("A1", 1'790'000'999);  // a second ack does not move the time
    auto all = LedgerReader(l).mesh_messages();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].acknowledged_at, 1'790'000'100);
}

}  // namespace
