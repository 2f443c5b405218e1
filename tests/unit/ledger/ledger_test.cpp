// The ledger's promises: idempotent on (feed, seq) and on entry id, reviews close writes, alerts
// are unique per (write, reason), and what is committed survives reopening.

#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/ledger/schema.hpp"
#include "daemon/ledger/test_access.hpp"

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
    auto writes = LedgerReader(l).writes();
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
    EXPECT_TRUE(l.open_writes_after(0, 100).empty());
    auto amended = created(3, "e-1");
    amended.kind = EventKind::entry_amended;
    auto up = l.upsert_write(amended, 3600, 900, 300);
    l.commit();
    EXPECT_TRUE(up.reopened);
    auto open = l.open_writes_after(0, 100);
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
    EXPECT_EQ(LedgerReader(again).writes().size(), 1u);
    Ledger reader(path_, Ledger::Access::read_only);
    EXPECT_EQ(LedgerReader(reader).writes().size(), 1u);
}

TEST_F(LedgerTest, CursorNeverMovesBackwards) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    l.set_cursor(Feed::clinical, 10);
    l.set_cursor(Feed::clinical, 4);
    l.commit();
    EXPECT_EQ(l.cursor(Feed::clinical), 10u);
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

TEST_F(LedgerTest, CodesAreRowsInTheirOrderAndAnAmendmentReplacesThem) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    auto ev = created(1, "e-1");
    ev.codes.push_back({"http://snomed.info/sct", "1155711000000106", "Safeguarding concern", "Condition"});
    const auto w = l.upsert_write(ev, 3600, 0, 100).write_id;
    auto amended = created(2, "e-1");
    amended.kind = EventKind::entry_amended;
    amended.codes = {{"http://snomed.info/sct", "716186003", "No known allergy", "AllergyIntolerance"}};
    l.commit();
    auto before = l.get_write(w);
    ASSERT_TRUE(before);
    ASSERT_EQ(before->codes.size(), 2u);
    EXPECT_EQ(before->codes[0].code, "225368008");
    EXPECT_EQ(before->codes[1].code, "1155711000000106");
    EXPECT_EQ(before->codes[1].resource, "Condition");
    l.begin();
    l.upsert_write(amended, 3600, 0, 200);
    l.commit();
    const auto after = l.find_write(Feed::clinical, "e-1");
    ASSERT_TRUE(after);
    ASSERT_EQ(after->codes.size(), 1u);
    EXPECT_EQ(after->codes[0].display, "No known allergy");
    auto count = LedgerTestAccess::connection(l).prepare("SELECT count(*) FROM write_codes");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.int64(0), 1) << "the amendment's codes replace the first ones";
}

// A ledger as the gpwatchd before write_codes left it (schema version 8: codes as lines
// "system\tcode\tdisplay\tresource\n" in writes.codes) is upgraded on opening: each write's codes
// become rows in their order, and the old column goes.
TEST_F(LedgerTest, MigratesTheOldCodesColumnIntoRows) {
    constexpr int kOldVersion = 8;
    ASSERT_EQ(ledger::current_schema_version(), kOldVersion + 1);
    {
        sqlite::Connection raw(path_, sqlite::Connection::Mode::read_write_create);
        ledger::migrate(raw, kOldVersion);
        raw.exec(R"sql(
            INSERT INTO writes (id, feed, upstream_id, first_seq, last_event, practice, author_ods, author_name,
                author_org_type, author_user_role, author_user_id, nhs_number, nhs_number_valid, route,
                resource_type, codes, nopat, written_at, received_at, review_from, review_within_s,
                deadline_at, review_state)
            VALUES
                (1, 'clinical', 'e-1', 1, 'entry.created', 'C84001', 'RT5', 'A trust', 'mental-health-trust',
                 'R8000', 'u-1', '9434765919', 1, 'gp-connect', 'Observation',
                 'http://snomed.info/sct' || char(9) || '225368008' || char(9) || 'Seen by CMHT' || char(9) ||
                 'Observation' || char(10) ||
                 'http://snomed.info/sct' || char(9) || '1155711000000106' || char(9) || 'Safeguarding' ||
                 char(9) || 'Condition' || char(10),
                 0, 1778000000, 1778000010, 1778000000, 3600, 1778003600, 'unreviewed'),
                (2, 'clinical', 'e-2', 2, 'entry.created', 'C84001', 'RT5', 'A trust', 'mental-health-trust',
                 'R8000', 'u-1', '9434765919', 1, 'gp-connect', 'Observation', '', 0, 1778000000,
                 1778000010, 1778000000, 3600, NULL, 'filed'),
                (3, 'update_record', 'm-3', 3, 'entry.created', 'C84001', 'RT5', 'A trust', 'pharmacy',
                 'R8000', 'u-1', '9434765919', 1, 'mesh', 'MedicationStatement',
                 'http://snomed.info/sct' || char(9) || '39732311000001104' || char(9) || 'Amoxicillin' ||
                 char(9) || char(10),
                 0, 1778000000, 1778000010, 1778000000, 3600, NULL, 'unreviewed');
        )sql");
    }
    Ledger l(path_, Ledger::Access::read_write);
    const auto one = l.get_write(1);
    ASSERT_TRUE(one);
    ASSERT_EQ(one->codes.size(), 2u);
    EXPECT_EQ(one->codes[0].system, "http://snomed.info/sct");
    EXPECT_EQ(one->codes[0].code, "225368008");
    EXPECT_EQ(one->codes[0].display, "Seen by CMHT");
    EXPECT_EQ(one->codes[0].resource, "Observation");
    EXPECT_EQ(one->codes[1].code, "1155711000000106");
    EXPECT_EQ(one->codes[1].resource, "Condition");
    EXPECT_TRUE(l.get_write(2)->codes.empty());
    const auto three = l.find_write(Feed::update_record, "m-3");
    ASSERT_TRUE(three);
    ASSERT_EQ(three->codes.size(), 1u);
    EXPECT_EQ(three->codes[0].display, "Amoxicillin");
    EXPECT_EQ(three->codes[0].resource, "");
    const auto listed = LedgerReader(l).writes();
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[0].codes.size(), 2u);
    EXPECT_EQ(listed[2].codes.size(), 1u);
    auto columns = LedgerTestAccess::connection(l).prepare("SELECT count(*) FROM pragma_table_info('writes') WHERE name = 'codes'");
    ASSERT_TRUE(columns.step());
    EXPECT_EQ(columns.int64(0), 0) << "the old column is gone";
    // The ledger goes on as any other: a new write's codes land beside the migrated ones.
    l.begin();
    l.upsert_write(created(4, "e-4"), 3600, 0, 100);
    l.commit();
    EXPECT_EQ(l.find_write(Feed::clinical, "e-4")->codes.size(), 1u);
}

TEST_F(LedgerTest, TheReaderListsOverdueWritesFirstAndFiltersAlerts) {
    Ledger l(path_, Ledger::Access::read_write);
    l.begin();
    const auto a = l.upsert_write(created(1, "e-1"), 3600, 900, 100).write_id;  // overdue at 1000
    const auto b = l.upsert_write(created(2, "e-2"), 3600, 0, 100).write_id;    // no deadline
    const auto c = l.upsert_write(created(3, "e-3"), 3600, 500, 100).write_id;  // overdue longest
    const auto d = l.upsert_write(created(4, "e-4"), 3600, 5000, 100).write_id; // not yet due
    l.close_review(Feed::clinical, "entry", "e-4", "filed", "Dr A", 200);
    Verdict v{Reason::unknown_writer, Severity::high, ""};
    l.add_verdict(a, v, 100);
    const auto first = l.add_alert(a, v, "s1", "b1", 100);
    Verdict late{Reason::unreviewed_overdue, Severity::high, ""};
    l.add_verdict(c, late, 600);
    const auto second = l.add_alert(c, late, "s2", "b2", 600);
    l.commit();
    LedgerReader reader(l);
    // Designated initialisers would be shorter, but g++ warns about every member they leave out.
    auto writes = [&](auto set) {
        WriteQuery q;
        set(q);
        return reader.writes(q);
    };
    auto alerts = [&](auto set) {
        AlertQuery q;
        set(q);
        return reader.alerts(q);
    };
    auto ids_of = [](const std::vector<WriteRecord>& rows) {
        std::vector<std::int64_t> ids;
        for (const auto& w : rows) ids.push_back(w.id);
        return ids;
    };

    EXPECT_EQ(ids_of(writes([](WriteQuery& q) { q.overdue_first_at = 1000; })), (std::vector<std::int64_t>{c, a, b, d}));
    EXPECT_EQ(ids_of(writes([](WriteQuery& q) { q.unreviewed_only = true; })), (std::vector<std::int64_t>{a, b, c}));
    EXPECT_EQ(ids_of(reader.writes()), (std::vector<std::int64_t>{a, b, c, d}));
    EXPECT_EQ(writes([](WriteQuery& q) { q.limit = 2; }).size(), 2u);
    EXPECT_TRUE(writes([](WriteQuery& q) { q.feed = Feed::update_record; }).empty());
    const auto with_reasons = writes([](WriteQuery& q) { q.limit = 1; });
    ASSERT_EQ(with_reasons.size(), 1u);
    EXPECT_EQ(with_reasons[0].reasons, (std::vector<std::string>{"unknown_writer"}));

    const auto newest = alerts([](AlertQuery& q) { q.newest_first = true; });
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest[0].alert.id, second);
    EXPECT_EQ(newest[1].alert.id, first);
    EXPECT_EQ(newest[0].upstream_id, "e-3");
    EXPECT_EQ(alerts([&](AlertQuery& q) { q.write_id = a; }).size(), 1u);
    EXPECT_EQ(alerts([](AlertQuery& q) { q.created_since = 500; }).size(), 1u);
    EXPECT_EQ(alerts([](AlertQuery& q) { q.kind = "internal"; }).size(), 0u);
    EXPECT_EQ(alerts([](AlertQuery& q) { q.state = "pending"; }).size(), 2u);
    EXPECT_EQ(alerts([](AlertQuery& q) { q.limit = 1; })[0].alert.id, first);
}
