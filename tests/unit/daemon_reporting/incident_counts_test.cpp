// Counting incidents from real ledger rows: which verdicts are incidents, the dimensions, and
// which ISO week (Europe/London) a write falls in, across both clock changes.

#include "daemon/reporting/incident_counts.hpp"

#include "reporting/iso_week.hpp"
#include "tests/unit/daemon_reporting/ledger_fixture.hpp"

using namespace gpwatch;
using namespace gpwatch::test;
using namespace date::literals;
using date::November;
using date::March;
using date::October;

namespace {

class IncidentCountsTest : public ReportingLedgerTest {};

std::uint64_t count_of(const std::vector<IncidentCell>& cells, const std::string& reason,
                       const std::string& feed = {}, const std::string& type = {}, const std::string& ods = {}) {
    std::uint64_t n = 0;
    for (const auto& c : cells)
        if (c.reason == reason && (feed.empty() || c.feed == feed) && (type.empty() || c.writer_org_type == type) &&
            (ods.empty() || c.writer_ods == ods))
            n += c.count;
    return n;
}

}  // namespace

TEST_F(IncidentCountsTest, CountsEachReasonByFeedAndOrganisationType) {
    const auto week = reporting::iso_week_containing(london_time(2026_y / November / 18, 12, 0), london());
    const auto t = week.start + 3600;
    add({"e-1", t, "mental-health-trust", "RT5", Feed::clinical, true, {verdict(Reason::unauthorised_write)}});
    add({"e-2", t + 1, "mental-health-trust", "RT5", Feed::clinical, true, {verdict(Reason::unauthorised_write)}});
    add({"e-3", t + 2, "community-pharmacy", "FA123", Feed::update_record, true, {verdict(Reason::unknown_writer)}});
    // Tracked for review only: not an incident.
    add({"e-4", t + 3, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::review_tracked)}});
    // Overdue and then escalated: one incident, counted as unreviewed_overdue.
    add({"e-5", t + 4, "acute-trust", "RX1", Feed::clinical, true,
         {verdict(Reason::review_tracked), verdict(Reason::unreviewed_overdue),
          verdict(Reason::unreviewed_escalated, "escalation")}});
    // The feed gave no organisation type.
    add({"e-6", t + 5, "", "RX9", Feed::clinical, true, {verdict(Reason::unknown_writer)}});

    const auto cells = count_incidents(*ledger_, week.start, week.end, false, {});
    EXPECT_EQ(count_of(cells, "unauthorised_write", "clinical", "mental-health-trust"), 2u);
    EXPECT_EQ(count_of(cells, "unknown_writer", "update_record", "community-pharmacy"), 1u);
    EXPECT_EQ(count_of(cells, "unknown_writer", "clinical", "unknown"), 1u);
    EXPECT_EQ(count_of(cells, "unreviewed_overdue"), 1u);
    EXPECT_EQ(count_of(cells, "unreviewed_escalated"), 0u);
    EXPECT_EQ(count_of(cells, "review_tracked"), 0u);
    for (const auto& c : cells) {
        EXPECT_TRUE(c.writer_ods.empty()) << "per_writer_ods is off";
        EXPECT_GE(c.count, 1u);
    }
    EXPECT_TRUE(std::is_sorted(cells.begin(), cells.end(), [](const IncidentCell& a, const IncidentCell& b) {
        return std::tie(a.reason, a.feed, a.writer_org_type, a.writer_ods) <
               std::tie(b.reason, b.feed, b.writer_org_type, b.writer_ods);
    }));
}

TEST_F(IncidentCountsTest, PerWriterOdsSplitsCellsByOrganisation) {
    const auto week = reporting::iso_week_containing(london_time(2026_y / November / 18, 12, 0), london());
    const auto t = week.start + 100;
    add({"e-1", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"e-2", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"e-3", t, "acute-trust", "RX2", Feed::clinical, true, {verdict(Reason::unknown_writer)}});

    const auto merged = count_incidents(*ledger_, week.start, week.end, false, {});
    ASSERT_EQ(merged.size(), 1u);
    EXPECT_EQ(merged[0].count, 3u);

    const auto split = count_incidents(*ledger_, week.start, week.end, true, {});
    ASSERT_EQ(split.size(), 2u);
    EXPECT_EQ(split[0], (IncidentCell{"unknown_writer", "clinical", "acute-trust", "RX1", 2}));
    EXPECT_EQ(split[1], (IncidentCell{"unknown_writer", "clinical", "acute-trust", "RX2", 1}));
}

TEST_F(IncidentCountsTest, ContentRulesCountByCategoryAndRulesMayShareOne) {
    const auto week = reporting::iso_week_containing(london_time(2026_y / November / 18, 12, 0), london());
    const auto t = week.start + 100;
    add({"e-1", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::content_rule, "safeguarding")}});
    add({"e-2", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::content_rule, "safeguarding-flag")}});
    add({"e-3", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::content_rule, "high-risk-medicine")}});
    add({"e-4", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::content_rule, "removed-rule")}});
    const RuleCategories categories{{"safeguarding", "safeguarding"},
                                    {"safeguarding-flag", "safeguarding"},
                                    {"high-risk-medicine", "high_risk_medicines"}};
    const auto cells = count_incidents(*ledger_, week.start, week.end, false, categories);
    EXPECT_EQ(count_of(cells, "content_rule:safeguarding"), 2u);
    EXPECT_EQ(count_of(cells, "content_rule:high_risk_medicines"), 1u);
    EXPECT_EQ(count_of(cells, "content_rule:uncategorised"), 1u) << "a rule no longer in the settings";
    EXPECT_EQ(count_of(cells, "content_rule"), 0u);
}

TEST_F(IncidentCountsTest, InvalidNhsNumberIsOneIncidentPerWriteButNotForQuarantinedMessages) {
    const auto week = reporting::iso_week_containing(london_time(2026_y / November / 18, 12, 0), london());
    const auto t = week.start + 100;
    add({"e-1", t, "acute-trust", "RX1", Feed::clinical, false, {verdict(Reason::review_tracked)}});
    add({"e-2", t, "acute-trust", "RX1", Feed::clinical, false, {verdict(Reason::unknown_writer)}});
    add({"e-3", t, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add_quarantined("m-1", t);
    const auto cells = count_incidents(*ledger_, week.start, week.end, false, {});
    EXPECT_EQ(count_of(cells, "invalid_nhs_number", "clinical", "acute-trust"), 2u);
    EXPECT_EQ(count_of(cells, "invalid_nhs_number"), 2u) << "the quarantined message has no NHS number to be invalid";
    EXPECT_EQ(count_of(cells, "unparseable_message", "update_record", "unknown"), 1u);
    EXPECT_EQ(count_of(cells, "unknown_writer"), 2u);
}

// Sunday 23:59 London belongs to the week that ends at midnight; Monday 00:00 to the next one.
// In summer London is UTC+1, so the boundary is Sunday 23:00 UTC.
TEST_F(IncidentCountsTest, WeekBoundaryInBritishSummerTime) {
    // 2026-W13 holds the spring change (Sunday 29 March 2026, 01:00 UTC).
    const auto sunday_late = london_time(2026_y / March / 29, 23, 59, 59);
    const auto monday = london_time(2026_y / March / 30, 0, 0);
    EXPECT_EQ(monday - sunday_late, 1);
    EXPECT_EQ(monday % 86400, 23 * 3600) << "BST: Monday 00:00 London is 23:00 UTC";
    add({"sun", sunday_late, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"mon", monday, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unauthorised_write)}});

    const auto w13 = *reporting::parse_iso_week("2026-W13", london());
    const auto w14 = *reporting::parse_iso_week("2026-W14", london());
    EXPECT_EQ(w13.end - w13.start, 167 * 3600) << "the week of the spring change is an hour short";
    const auto a = count_incidents(*ledger_, w13.start, w13.end, false, {});
    const auto b = count_incidents(*ledger_, w14.start, w14.end, false, {});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].reason, "unknown_writer");
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].reason, "unauthorised_write");
}

TEST_F(IncidentCountsTest, WeekBoundaryInGreenwichMeanTime) {
    const auto sunday_late = london_time(2026_y / November / 22, 23, 59, 59);
    const auto monday = london_time(2026_y / November / 23, 0, 0);
    EXPECT_EQ(monday % 86400, 0) << "GMT: Monday 00:00 London is 00:00 UTC";
    add({"sun", sunday_late, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"mon", monday, "acute-trust", "RX1", Feed::clinical, true, {verdict(Reason::unauthorised_write)}});
    const auto w47 = *reporting::parse_iso_week("2026-W47", london());
    const auto w48 = *reporting::parse_iso_week("2026-W48", london());
    const auto a = count_incidents(*ledger_, w47.start, w47.end, false, {});
    const auto b = count_incidents(*ledger_, w48.start, w48.end, false, {});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].reason, "unknown_writer");
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].reason, "unauthorised_write");
}

TEST_F(IncidentCountsTest, AutumnWeekIsAnHourLongerAndHoldsItsLastHour) {
    // 2026-W43 holds the autumn change (Sunday 25 October 2026): 169 hours.
    const auto w43 = *reporting::parse_iso_week("2026-W43", london());
    EXPECT_EQ(w43.end - w43.start, 169 * 3600);
    add({"late", london_time(2026_y / October / 25, 23, 30), "acute-trust", "RX1", Feed::clinical, true,
         {verdict(Reason::unknown_writer)}});
    EXPECT_EQ(count_incidents(*ledger_, w43.start, w43.end, false, {}).size(), 1u);
}

// The organisation type and ODS code come verbatim from the feed. A name, free text or an NHS
// number in those fields must not reach a report, and must not get the week refused by the
// collector either: such values are counted as "unknown" type / no ODS code.
TEST_F(IncidentCountsTest, FeedTextThatIsNoOrganisationTypeOrOdsCodeIsNotReported) {
    const auto week = reporting::iso_week_containing(london_time(2026_y / November / 18, 12, 0), london());
    const auto t = week.start + 100;
    add({"e-1", t, "Dr Jane Smith's pharmacy", "RX1", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"e-2", t, "acute-trust", kNhsNumber, Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"e-3", t, "acute-trust", "jane smith", Feed::clinical, true, {verdict(Reason::unknown_writer)}});
    add({"e-4", t, "acute-trust", "RX2", Feed::clinical, true, {verdict(Reason::unknown_writer)}});

    const auto cells = count_incidents(*ledger_, week.start, week.end, true, {});
    ASSERT_EQ(cells.size(), 3u);
    EXPECT_EQ(cells[0], (IncidentCell{"unknown_writer", "clinical", "acute-trust", "", 2}));
    EXPECT_EQ(cells[1], (IncidentCell{"unknown_writer", "clinical", "acute-trust", "RX2", 1}));
    EXPECT_EQ(cells[2], (IncidentCell{"unknown_writer", "clinical", "unknown", "RX1", 1}));
}
