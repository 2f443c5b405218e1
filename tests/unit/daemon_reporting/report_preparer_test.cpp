// Which weeks are reported and as which revision; sealing with the practice's key; and that the
// sealed bytes say nothing about patients.

#include "daemon/reporting/report_preparer.hpp"

#include "daemon/ledger/report_ledger.hpp"
#include "reporting/report_signing.hpp"
#include "tests/unit/daemon_reporting/ledger_fixture.hpp"

using namespace gpwatch;
using namespace gpwatch::test;
using namespace date::literals;
using date::November;

namespace {

class ReportPreparerTest : public ReportingLedgerTest {
protected:
    ReportContext context() const {
        ReportContext c;
        c.practice_ods = "C84001";
        c.gpwatch_version = "0.1.0";
        c.settings_hash = "sha256:abc";
        c.zone = london();
        c.rule_categories = {{"safeguarding", "safeguarding"}};
        return c;
    }
    ReportingSettings settings() const {
        ReportingSettings s;
        s.enabled = true;
        s.look_back_weeks = 4;
        return s;  // settle_after 48h
    }
    reporting::IsoWeek week(const char* name) const { return *reporting::parse_iso_week(name, london()); }

    reporting::SigningKey key_ = reporting::SigningKey::generate();
};

}  // namespace

TEST_F(ReportPreparerTest, AWeekClosesOnceItHasSettled) {
    add({"e-1", week("2026-W40").start + 10, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    ReportPreparer p(*ledger_, context(), settings(), nullptr);
    const auto w47 = week("2026-W47");
    // W47 ends Monday 23 November 00:00; with 48h to settle it closes Wednesday 00:00.
    EXPECT_EQ(p.latest_closed_period(w47.end + 48 * 3600 - 1).name(), "2026-W46");
    EXPECT_EQ(p.latest_closed_period(w47.end + 48 * 3600).name(), "2026-W47");
    const auto weeks = p.closed_periods(w47.end + 48 * 3600);
    ASSERT_EQ(weeks.size(), 4u) << "look_back_weeks";
    EXPECT_EQ(weeks.front().name(), "2026-W44");
    EXPECT_EQ(weeks.back().name(), "2026-W47");
}

TEST_F(ReportPreparerTest, NoWeekBeforeTheEarliestWriteItKnows) {
    ReportPreparer p(*ledger_, context(), settings(), nullptr);
    const auto now = week("2026-W47").end + 3 * 86400;
    EXPECT_TRUE(p.closed_periods(now).empty()) << "an empty ledger has nothing to report";
    // Written at the end of W45, received in W46 (a feed catching up): W45 holds an incident,
    // so reporting starts there, not at the week it arrived.
    add({"e-1", week("2026-W45").end - 60, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}},
        week("2026-W46").start + 7200);
    const auto weeks = p.closed_periods(now);
    ASSERT_EQ(weeks.size(), 3u);
    EXPECT_EQ(weeks[0].name(), "2026-W45");
    EXPECT_EQ(weeks[1].name(), "2026-W46");
    EXPECT_EQ(weeks[2].name(), "2026-W47");
}

TEST_F(ReportPreparerTest, RecordsOneRevisionPerWeekThenNothingUntilCountsChange) {
    const auto w46 = week("2026-W46"), w47 = week("2026-W47");
    add_many(11, "a-", w46.start + 100, Reason::unknown_writer);
    add_many(3, "b-", w47.start + 100, Reason::unauthorised_write);
    const auto now = w47.end + 3 * 86400;
    ReportPreparer p(*ledger_, context(), settings(), &key_);

    EXPECT_EQ(p.record_new_revisions(now, true), 2);
    ReportLedger reports(*ledger_);
    auto rows = reports.list();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].period, "2026-W46");
    EXPECT_EQ(rows[0].revision, 1);
    EXPECT_EQ(rows[0].state, "pending");
    EXPECT_EQ(rows[0].next_attempt_at, now);

    // A re-count an hour later finds the same controlled counts: no new revision.
    EXPECT_EQ(p.record_new_revisions(now + 3600, true), 0);
    const auto again = p.prepare(w46, now + 3600);
    EXPECT_FALSE(again.changed);
    EXPECT_EQ(again.report.revision(), 1u);
    EXPECT_EQ(again.report.generated_at(), now) << "as it was sealed";
    EXPECT_EQ(again.digest, rows[0].content_digest);

    // One late write in W46 (12) that still rounds to 10: nothing changes for the LMC.
    add_many(1, "late-a-", w46.start + 5000, Reason::unknown_writer);
    EXPECT_EQ(p.record_new_revisions(now + 7200, true), 0);

    // Two more late writes (14, rounded to 15): W46 gets revision 2; W47 stays.
    add_many(2, "late-b-", w46.start + 6000, Reason::unknown_writer);
    EXPECT_EQ(p.record_new_revisions(now + 10800, true), 1);
    const auto latest = reports.latest("2026-W46");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->revision, 2);
    EXPECT_EQ(latest->created_at, now + 10800);
    EXPECT_NE(latest->content_digest, rows[0].content_digest);
    EXPECT_EQ(reports.latest("2026-W47")->revision, 1);
}

// `gpwatchctl report show` prints prepare()'s report: for a week already sealed it must be what
// was sealed, even after the settings file (so its hash) or gpwatch's version changed since.
TEST_F(ReportPreparerTest, AnUnchangedWeekIsShownAsSealedNotAsRebuiltToday) {
    const auto w46 = week("2026-W46");
    add_many(11, "a-", w46.start + 100, Reason::unknown_writer);
    const auto now = w46.end + 3 * 86400;
    ReportPreparer sealing(*ledger_, context(), settings(), &key_);
    ASSERT_EQ(sealing.record_new_revisions(now, true), 1);

    auto later = context();
    later.settings_hash = "sha256:def";  // an unrelated setting was edited
    later.gpwatch_version = "0.2.0";     // and gpwatch upgraded
    ReportPreparer p(*ledger_, later, settings(), &key_);
    const auto shown = p.prepare(w46, now + 86400);
    EXPECT_FALSE(shown.changed) << "the counts are the same";
    EXPECT_EQ(shown.report.settings_hash(), "sha256:abc");
    EXPECT_EQ(shown.report.gpwatch_version(), "0.1.0");
    report::SignedIncidentReport sent;
    ASSERT_TRUE(sent.ParseFromString(ReportLedger(*ledger_).latest("2026-W46")->body));
    EXPECT_EQ(shown.report.SerializeAsString(), sent.report()) << "byte for byte what was sealed";
}

TEST_F(ReportPreparerTest, WithoutUploadRevisionsAreRecordedUnsent) {
    add_many(2, "a-", week("2026-W46").start + 100, Reason::unknown_writer);
    ReportPreparer p(*ledger_, context(), settings(), &key_);
    EXPECT_EQ(p.record_new_revisions(week("2026-W46").end + 3 * 86400, false), 1);
    ReportLedger reports(*ledger_);
    EXPECT_EQ(reports.list().at(0).state, "unsent");
    EXPECT_TRUE(reports.due(week("2026-W48").end, 10).empty());
}

TEST_F(ReportPreparerTest, WithoutAKeyNothingIsSealed) {
    ReportPreparer p(*ledger_, context(), settings(), nullptr);
    EXPECT_THROW(p.record_new_revisions(week("2026-W47").end + 3 * 86400, true), std::logic_error);
}

TEST_F(ReportPreparerTest, SealedReportVerifiesAndCarriesNothingAboutPatients) {
    const auto w46 = week("2026-W46");
    add_many(9, "entry-secret-", w46.start + 100, Reason::content_rule, "acute-trust", Feed::clinical, "safeguarding");
    add({"entry-secret-x", w46.start + 200, "mental-health-trust", "RT5", Feed::clinical, false,
         {verdict(Reason::unauthorised_write)}});
    ReportPreparer p(*ledger_, context(), settings(), &key_);
    ASSERT_EQ(p.record_new_revisions(w46.end + 3 * 86400, true), 1);
    const auto row = ReportLedger(*ledger_).latest("2026-W46");
    ASSERT_TRUE(row);

    report::SignedIncidentReport signed_report;
    ASSERT_TRUE(signed_report.ParseFromString(row->body));
    const auto verify = reporting::VerifyKey::from_pem(key_.public_key_pem());
    EXPECT_EQ(signed_report.key_id(), key_.key_id());
    EXPECT_TRUE(verify.verify(signed_report.report(), signed_report.signature()));
    std::string tampered = signed_report.report();
    tampered.back() = static_cast<char>(tampered.back() ^ 1);
    EXPECT_FALSE(verify.verify(tampered, signed_report.signature()));

    report::IncidentReport inner;
    ASSERT_TRUE(inner.ParseFromString(signed_report.report()));
    EXPECT_EQ(inner.period(), "2026-W46");
    EXPECT_EQ(inner.revision(), 1u);
    EXPECT_EQ(content_digest(inner), row->content_digest);

    for (const std::string& secret : {kNhsNumber, kAuthorName, kUserId, std::string("entry-secret"),
                                      std::string("Seen by CMHT"), std::string("225368008"), std::string("RT5")})
        EXPECT_EQ(row->body.find(secret), std::string::npos) << "the sealed report contains '" << secret << "'";
}
