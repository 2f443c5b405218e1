// The ledger's promises: idempotent on (feed, seq) and on entry id, reviews close writes, alerts
// are unique per (write, reason), and what is committed survives reopening.

#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/schema.hpp"

#include <filesystem>

#include <gtest/gtest.h>

using namespace gpwatch;

namespace {

class LedgerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-ledger-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "ledger.sqlite").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    static RecordEvent created(std::uint64_t seq, const std::string& id) {
        RecordEvent ev;
        ev.seq = seq;
        ev.kind = EventKind::entry_created;
        ev.practice = "C84001";
        ev.entry_id = id;
        ev.nhs_number = "9434765919";
        ev.nhs_number_valid = true;
        ev.author = {"RT5", "Leicestershire Partnership NHS Trust", "mental-health-trust", "R8000", "u-1"};
        ev.resource_type = "Observation";
        ev.codes.push_back({"http://snomed.info/sct", "225368008", "Seen by\tCMHT", "Observation"});
        ev.time = SysSeconds{std::chrono::seconds{1'778'000'000}};
        return ev;
    }

    std::filesystem::path dir_;
    std::string path_;
};

}  // namespace

TEST_F(LedgerTest, SameSeqTwiceIsRecordedOnce) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    EXPECT_TRUE(l.record_feed_event(Feed::clinical, 1, EventKind::entry_created, "e-1"));
    EXPECT_FALSE(l.record_feed_event(Feed::clinical, 1, EventKind::entry_created, "e-1"));
    EXPECT_TRUE(l.record_feed_event(Feed::update_record, 1, EventKind::entry_created, "e-1"))
        << "seq is per feed";
    l.commit();
}

TEST_F(LedgerTest, SameEntryIdIsOneWrite) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    auto a = l.upsert_write(created(1, "e-1"), 3600, 1'778'003'600, 1'778'000'010);
    auto b = l.upsert_write(created(2, "e-1"), 3600, 1'778'003'600, 1'778'000'011);
    l.commit();
    EXPECT_TRUE(a.created);
    EXPECT_FALSE(b.created);
    EXPECT_EQ(a.write_id, b.write_id);
    auto writes = l.list_writes(false);
    ASSERT_EQ(writes.size(), 1u);
    EXPECT_EQ(writes[0].event_count, 2);
    EXPECT_EQ(writes[0].codes.at(0).display, "Seen by CMHT") << "tabs cannot break the framing";
}

TEST_F(LedgerTest, VerdictsAndAlertsAreUniquePerWriteAndReason) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    auto w = l.upsert_write(created(1, "e-1"), 3600, 0, 100).write_id;
    Verdict v{Reason::unknown_writer, Severity::high, "detail"};
    EXPECT_TRUE(l.add_verdict(w, v, 100));
    EXPECT_FALSE(l.add_verdict(w, v, 101));
    EXPECT_GT(l.add_alert(w, v, "subject", "body", 100), 0);
    EXPECT_EQ(l.add_alert(w, v, "subject", "body", 101), 0);
    l.commit();
    EXPECT_EQ(l.list_alerts().size(), 1u);
    EXPECT_TRUE(l.has_verdict(w, Reason::unknown_writer));
    EXPECT_FALSE(l.has_verdict(w, Reason::unreviewed_overdue));
}

TEST_F(LedgerTest, ReviewClosesTheWriteAndAmendmentReopensIt) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    auto w = l.upsert_write(created(1, "e-1"), 3600, 500, 100).write_id;
    EXPECT_EQ(l.close_review(Feed::clinical, "entry", "e-1", "filed", "Example GP", 200), w);
    EXPECT_EQ(l.close_review(Feed::clinical, "entry", "e-1", "filed", "Example GP", 201), 0)
        << "a second review finds nothing open";
    EXPECT_TRUE(l.open_writes().empty());
    auto amended = created(3, "e-1");
    amended.kind = EventKind::entry_amended;
    auto up = l.upsert_write(amended, 3600, 900, 300);
    l.commit();
    EXPECT_TRUE(up.reopened);
    auto open = l.open_writes();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].deadline_at, 900);
}

TEST_F(LedgerTest, AReviewBeforeItsWriteClosesTheWriteOnArrival) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    EXPECT_EQ(l.close_review(Feed::clinical, "entry", "e-9", "rejected", "Example GP", 50), 0);
    l.upsert_write(created(2, "e-9"), 3600, 500, 100);
    l.commit();
    auto w = l.find_write(Feed::clinical, "e-9");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->review_state, "rejected");
}

TEST_F(LedgerTest, RolledBackBatchLeavesNothingAndCommittedSurvivesReopen) {
    {
        Ledger l(path_, Ledger::Access::read_write);
        l.begin();
        l.upsert_write(created(1, "e-1"), 3600, 0, 100);
        l.set_cursor(Feed::clinical, 1);
        l.commit();
        l.begin();
        l.upsert_write(created(2, "e-2"), 3600, 0, 100);
        l.set_cursor(Feed::clinical, 2);
        l.rollback();
    }
    Ledger again(path_, Ledger::Access::read_write);
    EXPECT_EQ(again.cursor(Feed::clinical), 1u);
    EXPECT_EQ(again.list_writes(false).size(), 1u);
    Ledger reader(path_, Ledger::Access::read_only);
    EXPECT_EQ(reader.list_writes(false).size(), 1u);
}

TEST_F(LedgerTest, CursorNeverMovesBackwards) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    l.set_cursor(Feed::clinical, 10);
    l.set_cursor(Feed::clinical, 4);
    l.commit();
    EXPECT_EQ(l.cursor(Feed::clinical), 10u);
}

TEST_F(LedgerTest, OutboxHandsOutDueAlertsAndRecordsOutcomes) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    auto w = l.upsert_write(created(1, "e-1"), 3600, 0, 100).write_id;
    auto a1 = l.add_alert(w, {Reason::unknown_writer, Severity::high, ""}, "s1", "b1", 100);
    auto a2 = l.add_alert(w, {Reason::unreviewed_overdue, Severity::high, ""}, "s2", "b2", 100);
    l.mark_retry(a2, 500, "inbox unavailable");
    l.mark_delivered(a1, 101);
    l.commit();
    EXPECT_TRUE(l.due_alerts(400, 10).empty());
    auto due = l.due_alerts(500, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].id, a2);
    EXPECT_EQ(due[0].attempts, 1);
    EXPECT_EQ(l.next_alert_attempt(), 500);
}

TEST_F(LedgerTest, ReadOnlyRefusesAMissingLedger) {
    EXPECT_THROW(Ledger((dir_ / "nope.sqlite").string(), Ledger::Access::read_only), sqlite::Error);
}

TEST_F(LedgerTest, RefusesALedgerFromANewerGpwatchd) {
    {
        sqlite::Connection raw(path_, sqlite::Connection::Mode::read_write_create);
        raw.exec("PRAGMA user_version = 99");
    }
    try {
        Ledger l(path_, Ledger::Access::read_write);
        FAIL() << "a newer schema was accepted";
    } catch (const sqlite::Error& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
    }
}

TEST_F(LedgerTest, MigratesAFreshFileToTheCurrentVersionOnce) {
    { Ledger l(path_, Ledger::Access::read_write); }
    { Ledger again(path_, Ledger::Access::read_write); }  // a second open must not re-run migrations
    sqlite::Connection raw(path_, sqlite::Connection::Mode::read_only);
    auto st = raw.prepare("PRAGMA user_version");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), ledger::current_schema_version());
    auto mode = raw.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.text(0), "wal");
}

TEST_F(LedgerTest, AnEarlyReviewIsRememberedAcrossARestart) {
    {
        Ledger l(path_, Ledger::Access::read_write);
        l.begin();
        l.close_review(Feed::clinical, "entry", "e-late", "filed", "Example GP", 50);
        l.commit();
    }
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    l.upsert_write(created(9, "e-late"), 3600, 500, 100);
    l.commit();
    EXPECT_EQ(l.find_write(Feed::clinical, "e-late")->review_state, "filed");
}

TEST_F(LedgerTest, ASecondReviewOfAReviewedWriteChangesNothing) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    l.upsert_write(created(1, "e-1"), 3600, 500, 100);
    l.close_review(Feed::clinical, "entry", "e-1", "filed", "Dr A", 200);
    EXPECT_EQ(l.close_review(Feed::clinical, "entry", "e-1", "rejected", "Dr B", 300), 0);
    l.commit();
    auto w = l.find_write(Feed::clinical, "e-1");
    EXPECT_EQ(w->review_state, "filed");
    EXPECT_EQ(w->reviewed_by, "Dr A");
}
