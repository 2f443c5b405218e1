// RecordIngest against a real SQLite ledger: a batch is applied once however often it is
// replayed, own-practice writes leave no trace, and overdue fires once per write.

#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "tests/unit/ingest/ingest_fixture.hpp"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

using namespace gpwatch;
using namespace gpwatch::testing;
using namespace std::chrono_literals;

namespace {

// Messages from the MESH mailbox, as daemon/app/mesh_intake makes them.
RecordEvent from_mesh(const std::string& mesh_id) {
    RecordEvent ev;
    ev.feed = Feed::update_record;
    ev.practice = "C84001";
    mesh_part(ev).message_id = mesh_id;
    ev.mesh->workflow_id = "GPCONNECT_UPDATE_RECORD";
    ev.update_record.sender_mailbox = "FQW30OT001";
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
    mesh_part(ev).report = true;
    ev.mesh->status_code = "14";
    ev.mesh->status_description = "Undelivered message";
    ev.mesh->linked_message_id = "M-0";
    return ev;
}

}  // namespace

TEST_F(RecordIngestTest, ReplayingABatchChangesNothing) {
    std::vector<RecordEvent> batch{entry(1, "e-1", "RT5"), entry(2, "e-2", "C84001"),
                                   entry(3, "e-3", "RW1"), filed(4, "e-1")};
    auto first = ingest_->apply(active_, batch, 1'800'000'200);
    EXPECT_EQ(first.durable_seq, 4u);
    EXPECT_EQ(first.writes_recorded, 2) << "the practice's own write is not recorded";
    EXPECT_EQ(first.alerts_created, 1) << "one unauthorised_write";
    auto again = ingest_->apply(active_, batch, 1'800'000'300);
    EXPECT_EQ(again.replays_skipped, 4);
    EXPECT_EQ(again.writes_recorded, 0);
    EXPECT_EQ(again.alerts_created, 0);

    auto writes = LedgerReader(*ledger_).writes();
    ASSERT_EQ(writes.size(), 2u);
    EXPECT_EQ(writes[0].upstream_id, "e-1");
    EXPECT_EQ(writes[0].review_state, "filed");
    EXPECT_EQ(writes[1].upstream_id, "e-3");
    EXPECT_EQ(writes[1].reasons, (std::vector<std::string>{"review_tracked", "unauthorised_write"}));
    EXPECT_EQ(ledger_->cursor(Feed::clinical), 4u);
}

TEST_F(RecordIngestTest, DeadlineCountsWorkingTimeFromTheWrite) {
    auto r = ingest_->apply(active_, {entry(1, "e-1", "RT5"), entry(2, "e-2", "NTV21")}, 1'800'000'005);
    ASSERT_EQ(r.deadlines.size(), 2u);
    EXPECT_EQ(r.deadlines[0].second, 1'800'000'000 + 30 * 60) << "RT5's own deadline";
    EXPECT_EQ(r.deadlines[1].second, 1'800'000'000 + 60 * 60) << "the default for an unlisted writer";
    EXPECT_EQ(r.alerts_created, 1) << "unknown_writer for NTV21";
}

TEST_F(RecordIngestTest, OverdueIsRaisedOnceAndNotForReviewedWrites) {
    auto r = ingest_->apply(active_, {entry(1, "e-1", "RT5"), entry(2, "e-2", "RT5"), filed(3, "e-2")},
                            1'800'000'005);
    std::vector<std::int64_t> ids;
    for (auto [id, deadline] : r.deadlines) ids.push_back(id);
    EXPECT_EQ(ingest_->raise_overdue(active_, ids, 1'800'010'000), 1);
    EXPECT_EQ(ingest_->raise_overdue(active_, ids, 1'800'020'000), 0);
    auto alerts = ledger_->list_alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].alert.reason, Reason::unreviewed_overdue);
    EXPECT_EQ(alerts[0].upstream_id, "e-1");
    EXPECT_TRUE(ingest_->recompute_deadlines(active_).empty())
        << "after a restart an overdue write is not scheduled again";
}

TEST_F(RecordIngestTest, ReloadedDeadlinesFollowTheNewSettings) {
    ingest_->apply(active_, {entry(1, "e-1", "RT5")}, 1'800'000'005);
    auto s = settings();
    s.allowed[0].review_within = 2h;
    ActiveSettings reloaded{s};
    auto d = ingest_->recompute_deadlines(reloaded);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].second, 1'800'000'000 + 2 * 3600);
}

TEST_F(RecordIngestTest, UnparseableInputIsQuarantinedWithItsBytesAndAlerted) {
    RecordEvent bad;
    bad.seq = 1;
    bad.kind = EventKind::unparseable;
    bad.entry_id = "unparseable-seq-1";
    bad.raw = "{\"type\":\"event\",";
    bad.parse_error = "not JSON";
    auto r = ingest_->apply(active_, {bad}, 1'800'000'005);
    EXPECT_EQ(r.alerts_created, 1);
    auto w = ledger_->find_write(Feed::clinical, "unparseable-seq-1");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->review_state, "quarantined");
    EXPECT_EQ(w->parse_error, "not JSON");
}

// MESH: each MESH id is recorded once whatever it turned out to be, and a message downloaded
// again (MESH delivers at least once) changes nothing.

TEST_F(RecordIngestTest, MeshEachMeshIdIsRecordedOnceAsWhatItIs) {
    auto other = from_mesh("M-4");
    other.kind = EventKind::not_update_record;
    other.entry_id = "bundle-4";
    other.parse_error = "MessageHeader event ITK008M is not ITK014M";
    std::vector<RecordEvent> batch{update_record("M-1", "bundle-1"), unparseable("M-2"), report("M-3"), other};
    auto first = ingest_->apply(active_, batch, 1'800'000'100);
    EXPECT_EQ(first.replays_skipped, 0);
    EXPECT_EQ(first.writes_recorded, 2) << "the Update Record and the quarantined message";

    auto rows = LedgerReader(*ledger_).mesh_messages();
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

    auto writes = LedgerReader(*ledger_).writes();
    ASSERT_EQ(writes.size(), 2u);
    EXPECT_EQ(ledger_->list_alerts().size(), 1u) << "one unparseable_message alert";

    // MESH hands the same messages over again (the acknowledgements were lost): nothing changes.
    auto again = ingest_->apply(active_, batch, 1'800'000'200);
    EXPECT_EQ(again.replays_skipped, 4);
    EXPECT_EQ(again.writes_recorded, 0);
    EXPECT_EQ(again.alerts_created, 0);
    EXPECT_EQ(LedgerReader(*ledger_).mesh_messages().size(), 4u);
    EXPECT_EQ(LedgerReader(*ledger_).writes().size(), 2u);
    EXPECT_EQ(ledger_->list_alerts().size(), 1u);
}

TEST_F(RecordIngestTest, MeshTheSameUpdateRecordInTwoMeshMessagesIsOneWrite) {
    // A sender that re-sends the same Update Record (same Bundle identifier) in a new MESH message.
    ingest_->apply(active_, {update_record("M-1", "bundle-1")}, 1'800'000'100);
    auto second = ingest_->apply(active_, {update_record("M-9", "bundle-1")}, 1'800'000'200);
    EXPECT_EQ(second.replays_skipped, 0) << "a new MESH message";
    EXPECT_EQ(LedgerReader(*ledger_).mesh_messages().size(), 2u);
    auto writes = LedgerReader(*ledger_).writes();
    ASSERT_EQ(writes.size(), 1u);
    EXPECT_EQ(writes[0].upstream_id, "bundle-1");
}
