// Building the weekly report: disclosure control per reason (cells with their total), zeros kept
// visible, deterministic order, and a digest that only moves when the controlled counts do.

#include "daemon/reporting/report_builder.hpp"

#include <date/tz.h>
#include <gtest/gtest.h>

using namespace gpwatch;

namespace {

ReportContext context() {
    ReportContext c;
    c.practice_ods = "C84001";
    c.gpwatch_version = "0.1.0";
    c.settings_hash = "sha256:abc";
    c.zone = date::locate_zone("Europe/London");
    c.rule_categories = {{"safeguarding", "safeguarding"}, {"pharmacy-pregnancy", "pregnancy_status"}};
    return c;
}

reporting::IsoWeek w47() { return *reporting::parse_iso_week("2026-W47", date::locate_zone("Europe/London")); }

const report::ReasonTotal* total(const report::IncidentReport& r, const std::string& reason) {
    for (const auto& t : r.totals())
        if (t.reason() == reason) return &t;
    return nullptr;
}

std::vector<const report::IncidentCount*> cells(const report::IncidentReport& r, const std::string& reason) {
    std::vector<const report::IncidentCount*> out;
    for (const auto& c : r.counts())
        if (c.reason() == reason) out.push_back(&c);
    return out;
}

}  // namespace

TEST(ReportBuilder, FillsTheHeaderAndLeavesRevisionAndTimeToThePreparer) {
    const auto r = build_report(context(), w47(), {});
    EXPECT_EQ(r.format_version(), 1u);
    EXPECT_EQ(r.practice_ods(), "C84001");
    EXPECT_EQ(r.period(), "2026-W47");
    EXPECT_EQ(r.period_start(), w47().start);
    EXPECT_EQ(r.period_end(), w47().end);
    EXPECT_EQ(r.gpwatch_version(), "0.1.0");
    EXPECT_EQ(r.settings_hash(), "sha256:abc");
    EXPECT_EQ(r.revision(), 0u);
    EXPECT_EQ(r.generated_at(), 0);
    EXPECT_FALSE(r.per_writer_ods());
}

TEST(ReportBuilder, EveryKnownReasonHasATotalEvenWhenZero) {
    const auto r = build_report(context(), w47(), {});
    EXPECT_EQ(r.counts_size(), 0);
    for (const auto& reason : fixed_report_reasons()) {
        const auto* t = total(r, reason);
        ASSERT_NE(t, nullptr) << reason;
        EXPECT_EQ(t->value(), 0u);
        EXPECT_FALSE(t->redacted()) << "0 stays 0";
    }
    EXPECT_NE(total(r, "content_rule:safeguarding"), nullptr);
    EXPECT_NE(total(r, "content_rule:pregnancy_status"), nullptr);
    EXPECT_EQ(r.totals_size(), static_cast<int>(fixed_report_reasons().size()) + 2);
    EXPECT_EQ(total(r, "review_tracked"), nullptr);
    EXPECT_EQ(total(r, "unreviewed_escalated"), nullptr);
}

TEST(ReportBuilder, SmallCountsAreRedactedAndOthersRoundedToFive) {
    const auto r = build_report(context(), w47(),
                                {{"unauthorised_write", "clinical", "acute-trust", "", 3},
                                 {"unknown_writer", "clinical", "acute-trust", "", 12}});
    auto uw = cells(r, "unauthorised_write");
    ASSERT_EQ(uw.size(), 1u);
    EXPECT_TRUE(uw[0]->redacted());
    EXPECT_EQ(uw[0]->value(), 0u);
    EXPECT_TRUE(total(r, "unauthorised_write")->redacted());
    auto un = cells(r, "unknown_writer");
    ASSERT_EQ(un.size(), 1u);
    EXPECT_FALSE(un[0]->redacted());
    EXPECT_EQ(un[0]->value(), 10u);
    EXPECT_EQ(total(r, "unknown_writer")->value(), 10u);
}

TEST(ReportBuilder, SecondarySuppressionHidesAnotherCellBesideAShownTotal) {
    // 3 + 12 + 20 = 35: the total shows, so the 3 alone would be 35 - 10 - 20 = 5 (near enough to
    // betray it); the smallest other cell (12) is suppressed with it.
    const auto r = build_report(context(), w47(),
                                {{"unknown_writer", "clinical", "acute-trust", "", 3},
                                 {"unknown_writer", "clinical", "mental-health-trust", "", 12},
                                 {"unknown_writer", "update_record", "community-pharmacy", "", 20}});
    auto c = cells(r, "unknown_writer");
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0]->writer_org_type(), "acute-trust");
    EXPECT_TRUE(c[0]->redacted());
    EXPECT_EQ(c[1]->writer_org_type(), "mental-health-trust");
    EXPECT_TRUE(c[1]->redacted()) << "suppressed to protect the 3";
    EXPECT_EQ(c[1]->value(), 0u);
    EXPECT_FALSE(c[2]->redacted());
    EXPECT_EQ(c[2]->value(), 20u);
    EXPECT_FALSE(total(r, "unknown_writer")->redacted());
    EXPECT_EQ(total(r, "unknown_writer")->value(), 35u);
}

TEST(ReportBuilder, OrderDoesNotDependOnTheOrderOfTheCells) {
    std::vector<IncidentCell> a{{"unknown_writer", "update_record", "community-pharmacy", "", 20},
                                {"content_rule:safeguarding", "clinical", "acute-trust", "", 9},
                                {"unknown_writer", "clinical", "acute-trust", "", 11}};
    auto b = a;
    std::reverse(b.begin(), b.end());
    const auto ra = build_report(context(), w47(), a);
    const auto rb = build_report(context(), w47(), b);
    EXPECT_EQ(ra.SerializeAsString(), rb.SerializeAsString());
    ASSERT_EQ(ra.counts_size(), 3);
    EXPECT_EQ(ra.counts(0).reason(), "content_rule:safeguarding");
    EXPECT_EQ(ra.counts(1).feed(), "clinical");
    EXPECT_EQ(ra.counts(2).feed(), "update_record");
}

TEST(ReportBuilder, WriterOdsOnlyWhenThePracticeAllowsIt) {
    auto ctx = context();
    const std::vector<IncidentCell> in{{"unknown_writer", "clinical", "acute-trust", "RX1", 10}};
    EXPECT_EQ(build_report(ctx, w47(), in).counts(0).writer_ods(), "");
    ctx.per_writer_ods = true;
    const auto r = build_report(ctx, w47(), in);
    EXPECT_TRUE(r.per_writer_ods());
    EXPECT_EQ(r.counts(0).writer_ods(), "RX1");
}

TEST(ReportBuilder, DigestIsUnchangedWhenTheControlledCountsAreTheSame) {
    const auto a = build_report(context(), w47(), {{"unknown_writer", "clinical", "acute-trust", "", 12}});
    // One more incident, still rounded to 10: the LMC would see the same report.
    auto b = build_report(context(), w47(), {{"unknown_writer", "clinical", "acute-trust", "", 11}});
    b.set_revision(3);
    b.set_generated_at(1'800'000'000);
    b.set_gpwatch_version("0.2.0");
    b.set_settings_hash("sha256:def");
    EXPECT_EQ(content_digest(a), content_digest(b));
    EXPECT_EQ(content_digest(a).size(), 64u);

    const auto c = build_report(context(), w47(), {{"unknown_writer", "clinical", "acute-trust", "", 13}});
    EXPECT_NE(content_digest(a), content_digest(c)) << "13 rounds to 15";
    const auto d = build_report(context(), w47(), {{"unknown_writer", "clinical", "acute-trust", "", 4}});
    const auto e = build_report(context(), w47(), {{"unknown_writer", "clinical", "acute-trust", "", 5}});
    EXPECT_EQ(content_digest(d), content_digest(e)) << "both redacted";
    auto other = context();
    other.practice_ods = "C84002";
    EXPECT_NE(content_digest(a), content_digest(build_report(other, w47(), {{"unknown_writer", "clinical", "acute-trust", "", 12}})));
}
