// Times are checked before they are trusted: a write stamped far ahead of its arrival or before
// 1990 gets its review clock (and its LMC week) from its arrival, one implausible_time verdict
// saying what the sender claimed; a review stamped before the write it names closes nothing.

#include <algorithm>

#include <gtest/gtest.h>

#include "daemon/alerts/local_time.hpp"
#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/policy/time_plausibility.hpp"
#include "daemon/reporting/incident_counts.hpp"
#include "tests/unit/ingest/ingest_fixture.hpp"

using namespace gpwatch;
using namespace gpwatch::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kArrival = 1'796'300'000;  // Thu 3 Dec 2026, 09:33 UTC

// Unix seconds of a UTC calendar date (any year, before 1970 too).
std::int64_t utc(int y, unsigned m, unsigned d) {
    return std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{y} / m / d}}.time_since_epoch().count();
}

// An outside write (RT5: 30 working minutes to review) and its review, stamped `at`.
RecordEvent entry_at(std::uint64_t seq, const std::string& id, std::int64_t at) {
    auto ev = entry(seq, id, "RT5");
    ev.author.org_type = "mental-health-trust";
    ev.time = SysSeconds{std::chrono::seconds{at}};
    return ev;
}

RecordEvent filed_at(std::uint64_t seq, const std::string& id, std::int64_t at) {
    auto ev = filed(seq, id);
    ev.time = SysSeconds{std::chrono::seconds{at}};
    return ev;
}

class TimeRules : public RecordIngestTest {
protected:
    WriteRecord only_write() {
        auto writes = LedgerReader(*ledger_).writes();
        EXPECT_EQ(writes.size(), 1u);
        return writes.empty() ? WriteRecord{} : writes.front();
    }
    static bool has(const WriteRecord& w, const std::string& reason) {
        return std::find(w.reasons.begin(), w.reasons.end(), reason) != w.reasons.end();
    }
};

}  // namespace

TEST(TimePlausibility, TheBoundsAreAnHourAheadAnd1990) {
    EXPECT_EQ(policy::doubt_about(kArrival, kArrival), policy::TimeDoubt::none);
    EXPECT_EQ(policy::doubt_about(kArrival + 3600, kArrival), policy::TimeDoubt::none) << "clocks an hour apart";
    EXPECT_EQ(policy::doubt_about(kArrival + 3601, kArrival), policy::TimeDoubt::ahead_of_arrival);
    EXPECT_EQ(policy::doubt_about(utc(1990, 1, 1), kArrival), policy::TimeDoubt::none);
    EXPECT_EQ(policy::doubt_about(utc(1990, 1, 1) - 1, kArrival), policy::TimeDoubt::before_1990);
    EXPECT_EQ(policy::doubt_about(utc(2019, 6, 1), kArrival), policy::TimeDoubt::none) << "old, but possible";
}

// Each lying time: the review clock starts at arrival, so the deadline is 30 working minutes
// after it, never 2099 and never "none"; one implausible_time verdict names the claimed time.
class EachLyingTime : public TimeRules, public ::testing::WithParamInterface<int> {};

TEST_P(EachLyingTime, StartsTheReviewClockAtArrival) {
    const int year = GetParam();
    const auto claimed = year == 9999 ? utc(9999, 12, 31) : utc(year, 1, 1);
    auto r = ingest_->apply(active_, {entry_at(1, "e-1", claimed)}, kArrival);
    EXPECT_EQ(r.alerts_created, 1) << "the implausible_time alert";
    const auto w = only_write();
    EXPECT_EQ(w.written_at, claimed) << "what the sender claimed is kept as it is";
    EXPECT_EQ(w.trusted_at, kArrival);
    EXPECT_EQ(w.review_from, kArrival);
    EXPECT_EQ(w.deadline_at, kArrival + 30 * 60) << "30 working minutes (RT5) after arrival";
    EXPECT_TRUE(has(w, "implausible_time"));
    const auto alerts = ledger_->list_alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].alert.severity, Severity::high);
    EXPECT_NE(alerts[0].alert.body.find(alerts::claimed_time_words(claimed)), std::string::npos)
        << "the alert says what the sender claimed: " << alerts[0].alert.body;
    EXPECT_EQ(alerts[0].alert.body.find("unknown"), std::string::npos) << alerts[0].alert.body;

    // Its amendment, stamped the same wrong way: no second verdict (once per write).
    auto amended = entry_at(2, "e-1", claimed);
    amended.kind = EventKind::entry_amended;
    EXPECT_EQ(ingest_->apply(active_, {amended}, kArrival + 60).alerts_created, 0);
}

INSTANTIATE_TEST_SUITE_P(Years, EachLyingTime, ::testing::Values(2099, 1900, 1, 0, 9999, 1970));

TEST_F(TimeRules, APlausibleTimeIsTrusted) {
    ingest_->apply(active_, {entry_at(1, "e-1", kArrival - 600)}, kArrival);
    const auto w = only_write();
    EXPECT_EQ(w.trusted_at, 0);
    EXPECT_EQ(w.review_from, kArrival - 600);
    EXPECT_FALSE(has(w, "implausible_time"));
    EXPECT_TRUE(ledger_->list_alerts().empty());
}

TEST_F(TimeRules, AWriteStampedIn2099CountsInTheWeekItArrived) {
    ingest_->apply(active_, {entry_at(1, "e-1", utc(2099, 5, 28))}, kArrival);
    const auto week_of_arrival = count_incidents(*ledger_, kArrival - 3 * 86400, kArrival + 4 * 86400, false, {});
    bool counted = false;
    for (const auto& c : week_of_arrival) counted |= c.reason == "implausible_time" && c.count == 1;
    EXPECT_TRUE(counted) << "counted in the week it arrived";
    EXPECT_TRUE(count_incidents(*ledger_, utc(2099, 5, 25), utc(2099, 6, 1), false, {}).empty())
        << "nothing in 2099-W22, a week never sent";
}

TEST_F(TimeRules, AReviewStampedBeforeItsWriteClosesNothingAndIsRecorded) {
    // The 2099 write's clock starts at arrival; a review stamped 1970 is older than that.
    ingest_->apply(active_, {entry_at(1, "e-1", utc(2099, 1, 1)), filed_at(2, "e-1", 0)}, kArrival);
    auto w = only_write();
    EXPECT_EQ(w.review_state, "unreviewed") << "a review from before the write is no review of it";
    EXPECT_TRUE(has(w, "review_refused"));
    // A real review afterwards closes it.
    auto r = ingest_->apply(active_, {filed_at(3, "e-1", kArrival + 120)}, kArrival + 130);
    EXPECT_EQ(r.closed.size(), 1u);
    EXPECT_EQ(only_write().review_state, "filed");
}

TEST_F(TimeRules, AnEarlyReviewStampedBeforeItsWriteClosesNothingWhenTheWriteArrives) {
    ingest_->apply(active_, {filed_at(1, "e-1", kArrival - 86400)}, kArrival - 86400 + 5);  // a day before
    ingest_->apply(active_, {entry_at(2, "e-1", kArrival - 60)}, kArrival);
    const auto w = only_write();
    EXPECT_EQ(w.review_state, "unreviewed");
    EXPECT_TRUE(has(w, "review_refused"));
}

TEST_F(TimeRules, AReviewAFewMinutesBeforeItsWriteIsClockDifferenceAndCounts) {
    // A pharmacy's clock a few minutes ahead of the practice's.
    ingest_->apply(active_, {entry_at(1, "e-1", kArrival - 60), filed_at(2, "e-1", kArrival - 60 - 240)}, kArrival);
    EXPECT_EQ(only_write().review_state, "filed");
}

TEST_F(TimeRules, AReviewWithinTheHourASendersClockMayBeAheadIsTaken) {
    // The sender's clock 50 minutes fast (plausible: within the hour); the GP files it 5 minutes
    // after it arrived, 45 minutes "before" its stamp.
    ingest_->apply(active_, {entry_at(1, "e-1", kArrival + 50 * 60), filed_at(2, "e-1", kArrival + 5 * 60)}, kArrival + 5 * 60);
    EXPECT_EQ(only_write().review_state, "filed");
}

TEST_F(TimeRules, AReviewOfAWriteWhoseTimeIsNotTrustedIsTakenUnlessBefore1990) {
    // A feed caught up after downtime: the 2099 write arrives now, its real review was hours ago.
    ingest_->apply(active_, {entry_at(1, "e-1", utc(2099, 1, 1)), filed_at(2, "e-1", kArrival - 3 * 3600)}, kArrival);
    EXPECT_EQ(only_write().review_state, "filed");
}
