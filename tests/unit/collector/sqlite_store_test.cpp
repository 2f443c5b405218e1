// SqliteReportStore on a real file: schema, registration, one row per (practice, period,
// revision) however often it is inserted, latest-revision queries, and reopening.
#include <gtest/gtest.h>

#include <filesystem>

#include "collector/sqlite_report_store.hpp"

namespace gpwatch::collector {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
protected:
    fs::path dir = fs::temp_directory_path() / ("collector-store-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    void SetUp() override {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string db() const { return (dir / "collector.db").string(); }

    static NewReport report(const std::string& practice, const std::string& period, std::uint32_t revision,
                            std::uint32_t value) {
        NewReport r{practice, period, revision, "sha256:" + std::to_string(revision), std::string("\0body", 5), 1, 2, {}, {}};
        r.counts.push_back({practice, period, revision, "unknown_writer", "clinical", "acute-trust", "", value, false});
        r.totals.push_back({practice, period, revision, "unknown_writer", value, false});
        return r;
    }
};

TEST_F(SqliteStoreTest, RegistersAndReplacesOnlyWhenAsked) {
    SqliteReportStore store(db());
    EXPECT_EQ(store.register_practice({"A81001", "PEM1", "ed25519:1", 100}, false), RegisterOutcome::registered);
    EXPECT_EQ(store.register_practice({"A81001", "PEM1", "ed25519:1", 200}, false), RegisterOutcome::unchanged);
    EXPECT_EQ(store.register_practice({"A81001", "PEM2", "ed25519:2", 300}, false), RegisterOutcome::exists_with_other_key);
    EXPECT_EQ(store.practice("A81001")->key_id, "ed25519:1");
    EXPECT_EQ(store.register_practice({"A81001", "PEM2", "ed25519:2", 300}, true), RegisterOutcome::replaced);
    EXPECT_EQ(store.practice("A81001")->public_key_pem, "PEM2");
    EXPECT_FALSE(store.practice("B82002"));
    EXPECT_EQ(store.practices().size(), 1u);
}

TEST_F(SqliteStoreTest, StoresEachRevisionOnceAndReadsTheLatest) {
    {
        SqliteReportStore store(db());
        store.register_practice({"A81001", "PEM", "ed25519:1", 1}, false);
        store.register_practice({"B82002", "PEM", "ed25519:2", 1}, false);
        EXPECT_EQ(store.insert_report(report("A81001", "2026-W40", 1, 10)), InsertOutcome::stored);
        EXPECT_EQ(store.insert_report(report("A81001", "2026-W40", 1, 10)), InsertOutcome::duplicate);
        EXPECT_EQ(store.insert_report(report("A81001", "2026-W40", 2, 20)), InsertOutcome::stored);
        EXPECT_EQ(store.insert_report(report("B82002", "2026-W40", 1, 15)), InsertOutcome::stored);
        EXPECT_EQ(store.insert_report(report("B82002", "2026-W45", 1, 99 / 9 * 5)), InsertOutcome::stored);
    }
    SqliteReportStore store(db());  // everything survived a reopen
    const auto revisions = store.revisions("A81001", "2026-W40");
    ASSERT_EQ(revisions.size(), 2u);
    EXPECT_EQ(revisions[1].revision, 2u);
    const auto totals = store.latest_totals("2026-W40", "2026-W44");
    ASSERT_EQ(totals.size(), 2u);
    EXPECT_EQ(totals[0].practice, "A81001");
    EXPECT_EQ(totals[0].value, 20u);
    EXPECT_EQ(totals[1].value, 15u);
    const auto counts = store.latest_counts("2026-W40", "2026-W44");
    ASSERT_EQ(counts.size(), 2u);  // only A81001's revision 2 and B82002's row; W45 outside
    EXPECT_EQ(counts[0].revision, 2u);
    EXPECT_EQ(store.latest_reports("2026-W40", "2026-W53").size(), 3u);
}

TEST_F(SqliteStoreTest, AReportOfAnUnregisteredPracticeCannotBeStored) {
    SqliteReportStore store(db());
    EXPECT_THROW(store.insert_report(report("Z99999", "2026-W40", 1, 10)), StoreError);
    EXPECT_TRUE(store.revisions("Z99999", "2026-W40").empty());  // rolled back, rows and all
    EXPECT_TRUE(store.latest_counts("2026-W01", "2026-W53").empty());
}

TEST_F(SqliteStoreTest, AnUnusablePathIsAStoreErrorNamingIt) {
    try {
        SqliteReportStore store((dir / "no" / "such" / "dir" / "x.db").string());
        FAIL() << "opened";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("x.db"), std::string::npos);
    }
}

}  // namespace
}  // namespace gpwatch::collector
