// Opening gpwatchd's ledger refuses what would go on unseen from a ledger that lost something: a
// ledger behind its high-water record (a deleted write-ahead log, an older copy restored), another
// ledger put in its place, a file cut short. --accept-rewound-ledger carries on and says what.

#include "daemon/app/ledger_opening.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemon/ledger/delivery_ledger.hpp"
#include "daemon/ledger/high_water.hpp"

using namespace gpwatch;
namespace fs = std::filesystem;

namespace {

class LedgerOpeningTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("gpwatch-opening-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string state() const { return dir_.string(); }
    std::string ledger_path() const { return (dir_ / "ledger.sqlite").string(); }

    LedgerOpening open(bool accept_rewound = false) { return open_ledger(state(), {}, {false, accept_rewound}); }

    // Feed events up to `seq`, committed, as gpwatchd's group commit leaves them.
    static void ingest_up_to(Ledger& ledger, std::uint64_t seq) {
        ledger.begin();
        for (std::uint64_t s = ledger.cursor(Feed::clinical) + 1; s <= seq; ++s)
            ledger.record_feed_event(Feed::clinical, s, EventKind::entry_created, "e-" + std::to_string(s));
        ledger.set_cursor(Feed::clinical, seq);
        ledger.commit();
    }

    // The message a refusal carries, or "" when it was not refused.
    template <typename F>
    static std::string refusal(F&& f) {
        try {
            f();
        } catch (const StartRefused& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir_;
};

TEST(LedgerIdentity, IsRandomPerLedgerAndKeptAcrossOpenings) {
    const auto dir = fs::temp_directory_path() / ("gpwatch-identity-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string first;
    {
        Ledger a((dir / "a.sqlite").string(), Ledger::Access::read_write);
        first = a.identity();
        EXPECT_EQ(first.size(), 16u);
        EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos) << first;
        Ledger b((dir / "b.sqlite").string(), Ledger::Access::read_write);
        EXPECT_NE(b.identity(), first) << "two ledgers, two identities";
    }
    Ledger again((dir / "a.sqlite").string(), Ledger::Access::read_only);
    EXPECT_EQ(again.identity(), first);
    fs::remove_all(dir);
}

TEST_F(LedgerOpeningTest, TheHighWaterRecordReadsBackWhatWasWrittenAndNeverGoesBack) {
    HighWaterRecord hw((dir_ / "ledger.highwater").string());
    EXPECT_FALSE(hw.read()) << "none before the first write";
    hw.write({"00ff00ff00ff00ff", 1501, 143, 975});
    ASSERT_TRUE(hw.read());
    EXPECT_EQ(*hw.read(), (LedgerPosition{"00ff00ff00ff00ff", 1501, 143, 975, 975}));
    hw.advance({"00ff00ff00ff00ff", 1400, 150, 900});  // one number ahead: each kept at its highest
    EXPECT_EQ(*hw.read(), (LedgerPosition{"00ff00ff00ff00ff", 1501, 150, 975, 975}));
    // Alert ids are reserved ahead in blocks: one write for the next kAlertIdsReserved.
    hw.advance_alert_id(976);
    EXPECT_EQ(hw.read()->alert_ids_reserved, 976 + kAlertIdsReserved);
    std::filesystem::remove(dir_ / "ledger.highwater");
    hw.advance_alert_id(976 + kAlertIdsReserved);  // within the reservation: nothing written
    EXPECT_FALSE(hw.read());
    hw.advance_alert_id(977 + kAlertIdsReserved);
    ASSERT_TRUE(hw.read());
    EXPECT_EQ(hw.read()->alert_id, 977 + kAlertIdsReserved);

    std::ofstream((dir_ / "ledger.highwater").string()) << "ledger_id=00ff\nfeed_seq=twelve\n";
    try {
        hw.read();
        FAIL() << "a record that makes no sense is refused";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((dir_ / "ledger.highwater").string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("feed_seq=twelve"), std::string::npos) << e.what();
    }
}

TEST_F(LedgerOpeningTest, ALedgerBehindItsHighWaterRecordIsRefusedNamingWhatIsBehind) {
    {
        auto o = open();
        ingest_up_to(*o.ledger, 1055);
        // What gpwatchd had acknowledged before the WAL went: seq 1501, 23 more MESH messages, alert 975.
        o.high_water.write({o.ledger->identity(), 1501, 23, 975});
    }
    const auto why = refusal([&] { open(); });
    ASSERT_FALSE(why.empty()) << "a ledger behind its record must not start";
    EXPECT_NE(why.find(ledger_path()), std::string::npos) << why;
    EXPECT_NE(why.find("seq 1055, 446 behind seq 1501"), std::string::npos) << why;
    EXPECT_NE(why.find("23 fewer"), std::string::npos) << why;
    EXPECT_NE(why.find("975"), std::string::npos) << why;
    EXPECT_NE(why.find("--accept-rewound-ledger"), std::string::npos) << why;
    EXPECT_NE(why.find("ledger.sqlite-wal"), std::string::npos) << "the restore procedure" << why;
}

TEST_F(LedgerOpeningTest, AcceptingARewoundLedgerSaysWhatIsLostAndContinuesAlertIdsAboveTheRecord) {
    {
        auto o = open();
        ingest_up_to(*o.ledger, 10);
        o.high_water.write({o.ledger->identity(), 20, 0, 975, 1039});
    }
    auto o = open(true);
    EXPECT_NE(o.rewound.find("seq 10, 10 behind seq 20"), std::string::npos) << o.rewound;
    EXPECT_EQ(o.highest_alert_id_seen, 1039) << "above every id reserved, handed out or not";
    EXPECT_FALSE(o.fresh);
}

TEST_F(LedgerOpeningTest, ALedgerAtOrAheadOfItsRecordOpens) {
    {
        auto o = open();
        ingest_up_to(*o.ledger, 30);
        o.high_water.write({o.ledger->identity(), 25, 0, 0});  // committed, not yet recorded: a crash between
    }
    auto o = open();
    EXPECT_TRUE(o.rewound.empty());
}

TEST_F(LedgerOpeningTest, AnotherLedgerPutInItsPlaceIsRefused) {
    {
        auto o = open();
        o.high_water.write({"0123456789abcdef", 0, 0, 0});
    }
    const auto why = refusal([&] { open(); });
    EXPECT_NE(why.find("not the ledger gpwatchd last ran on"), std::string::npos) << why;
    EXPECT_NE(why.find("0123456789abcdef"), std::string::npos) << why;
}

TEST_F(LedgerOpeningTest, ALedgerCutShortIsRefusedByQuickCheck) {
    {
        auto o = open();
        ingest_up_to(*o.ledger, 5000);  // several pages of feed events
    }  // closed: the write-ahead log is checkpointed into the file and removed
    ASSERT_FALSE(fs::exists(ledger_path() + "-wal"));
    const auto size = fs::file_size(ledger_path());
    ASSERT_GT(size, 20'000u);
    fs::resize_file(ledger_path(), size - 1000);
    const auto why = refusal([&] { open(); });
    ASSERT_FALSE(why.empty()) << "a ledger cut short must not start";
    EXPECT_NE(why.find(ledger_path()), std::string::npos) << why;
    EXPECT_NE(why.find("quick_check"), std::string::npos) << "found by the check at start: " << why;
}

TEST_F(LedgerOpeningTest, ARecordWithoutItsLedgerIsHistory) {
    HighWaterRecord((dir_ / "ledger.highwater").string()).write({"0123456789abcdef", 3, 0, 0});
    const auto why = refusal([&] { open(); });
    EXPECT_NE(why.find("does not exist"), std::string::npos) << why;
    EXPECT_NE(why.find("ledger.highwater"), std::string::npos) << why;
}

}  // namespace

namespace {

TEST_F(LedgerOpeningTest, ALedgerWithAHistoryFoundWithoutItsRecordGetsANewIdentity) {
    std::string before;
    {
        auto o = open();
        ingest_up_to(*o.ledger, 5);
        before = o.ledger->identity();
    }  // no record written: as a ledger restored onto a new disk
    auto o = open();
    EXPECT_NE(o.ledger->identity(), before) << "its alerts must not be named as the copy's were";
    EXPECT_EQ(o.ledger->identity().size(), 16u);
}

TEST_F(LedgerOpeningTest, AFreshLedgerKeepsItsIdentity) {
    auto o = open();
    const auto id = o.ledger->identity();
    o.ledger.reset();
    EXPECT_EQ(open().ledger->identity(), id) << "nothing in it yet: nothing to tell apart";
}

}  // namespace

namespace {

TEST_F(LedgerOpeningTest, AnUnreadableRecordIsRefusedAndCanBeAcceptedUnderANewIdentity) {
    std::string before;
    {
        auto o = open();
        ingest_up_to(*o.ledger, 5);
        before = o.ledger->identity();
    }
    std::ofstream((dir_ / "ledger.highwater").string()) << "ledger_id=\n";
    const auto why = refusal([&] { open(); });
    EXPECT_NE(why.find("cannot tell whether"), std::string::npos) << why;
    EXPECT_NE(why.find("--accept-rewound-ledger"), std::string::npos) << why;
    auto o = open(true);
    EXPECT_NE(o.rewound.find("could not be read"), std::string::npos) << o.rewound;
    EXPECT_NE(o.ledger->identity(), before);
}

TEST_F(LedgerOpeningTest, AcceptingAnotherLedgerGivesItANewIdentity) {
    std::string before;
    {
        auto o = open();
        before = o.ledger->identity();
        o.high_water.write({"0123456789abcdef", 0, 0, 40});
    }
    auto o = open(true);
    EXPECT_NE(o.ledger->identity(), before);
    EXPECT_NE(o.ledger->identity(), "0123456789abcdef");
    EXPECT_EQ(o.highest_alert_id_seen, 40);
}

}  // namespace
