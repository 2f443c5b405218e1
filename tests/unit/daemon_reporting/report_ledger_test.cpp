// The lmc_reports outbox: bodies kept byte for byte, sealed revisions never overwritten, and the
// delivery states the uploader moves them through.

#include "daemon/ledger/report_ledger.hpp"
#include "daemon/ledger/test_access.hpp"

#include "tests/unit/daemon_reporting/ledger_fixture.hpp"

using namespace gpwatch;
using namespace gpwatch::test;

namespace {

class ReportLedgerTest : public ReportingLedgerTest {
protected:
    static StoredReport report(const std::string& period, std::int64_t revision, std::int64_t at) {
        StoredReport r;
        r.period = period;
        r.revision = revision;
        r.content_digest = "d" + std::to_string(revision);
        r.body = std::string("\x0a\x00\xff\x01 binary", 11);
        r.created_at = at;
        r.next_attempt_at = at;
        return r;
    }
};

}  // namespace

TEST_F(ReportLedgerTest, KeepsBodiesByteForByteAndFindsTheLatestRevision) {
    ReportLedger l(*ledger_);
    EXPECT_FALSE(l.latest("2026-W46"));
    l.insert(report("2026-W46", 1, 100));
    l.insert(report("2026-W46", 2, 200));
    l.insert(report("2026-W47", 1, 300));
    const auto latest = l.latest("2026-W46");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->revision, 2);
    EXPECT_EQ(latest->body, std::string("\x0a\x00\xff\x01 binary", 11));
    EXPECT_EQ(latest->state, "pending");
    EXPECT_EQ(latest->delivered_at, 0);
    EXPECT_EQ(l.list().size(), 3u);
    auto typed = LedgerTestAccess::connection(*ledger_).prepare("SELECT typeof(body) FROM lmc_reports LIMIT 1");
    ASSERT_TRUE(typed.step());
    EXPECT_EQ(typed.text(0), "blob");
}

TEST_F(ReportLedgerTest, ARevisionIsSealedOnce) {
    ReportLedger l(*ledger_);
    l.insert(report("2026-W46", 1, 100));
    EXPECT_THROW(l.insert(report("2026-W46", 1, 200)), sqlite::Error);
}

TEST_F(ReportLedgerTest, DueRetryDeliveredFailed) {
    ReportLedger l(*ledger_);
    l.insert(report("2026-W45", 1, 100));
    l.insert(report("2026-W46", 1, 100));
    l.insert(report("2026-W47", 1, 500));
    EXPECT_EQ(l.next_attempt_at(), 100);
    ASSERT_EQ(l.due(100, 10).size(), 2u);
    EXPECT_EQ(l.due(100, 1).size(), 1u);

    l.mark_retry("2026-W45", 1, 1, 110, "connection refused");
    l.mark_delivered("2026-W46", 1, 105);
    auto due = l.due(105, 10);
    EXPECT_TRUE(due.empty());
    due = l.due(110, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].period, "2026-W45");
    EXPECT_EQ(due[0].attempts, 1);
    EXPECT_EQ(due[0].last_error, "connection refused");

    l.mark_failed("2026-W45", 1, "403 unknown_practice");
    EXPECT_EQ(l.next_attempt_at(), 500);
    const auto rows = l.list();
    EXPECT_EQ(rows[0].state, "failed");
    EXPECT_EQ(rows[0].attempts, 2);
    EXPECT_EQ(rows[0].last_error, "403 unknown_practice");
    EXPECT_EQ(rows[1].state, "delivered");
    EXPECT_EQ(rows[1].delivered_at, 105);
    EXPECT_EQ(rows[1].last_error, "");
}

TEST_F(ReportLedgerTest, RequeueNewestPutsOnlyTheNewestRefusedOrUnsentRevisionBack) {
    ReportLedger l(*ledger_);
    auto unsent = [](StoredReport r) {
        r.state = "unsent";
        return r;
    };
    l.insert(unsent(report("2026-W45", 1, 100)));
    l.insert(unsent(report("2026-W45", 2, 150)));  // only this one of W45 is worth sending
    l.insert(report("2026-W46", 1, 100));
    l.mark_failed("2026-W46", 1, "403 unknown_practice");
    l.insert(report("2026-W47", 1, 100));
    l.mark_delivered("2026-W47", 1, 120);

    EXPECT_EQ(l.requeue_newest({"unsent"}, "", 900), 1);
    auto rows = l.list();
    EXPECT_EQ(rows[0].state, "unsent") << "an older revision stays as it was";
    EXPECT_EQ(rows[1].state, "pending");
    EXPECT_EQ(rows[1].next_attempt_at, 900);
    EXPECT_EQ(rows[2].state, "failed") << "only the states asked for";

    EXPECT_EQ(l.requeue_newest({"failed", "unsent"}, "2026-W47", 950), 0) << "a delivered week is not sent again";
    EXPECT_EQ(l.requeue_newest({"failed", "unsent"}, "2026-W46", 950), 1);
    rows = l.list();
    EXPECT_EQ(rows[2].state, "pending");
    EXPECT_EQ(rows[2].attempts, 0);
    EXPECT_EQ(rows[2].last_error, "");
    EXPECT_EQ(rows[3].state, "delivered");
    ASSERT_EQ(l.due(950, 10).size(), 2u);
}
