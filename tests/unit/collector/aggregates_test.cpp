// aggregate_counts: sums across practices are re-controlled, redacted figures never become
// numbers, and only the latest revision of each practice's week counts.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "collector/aggregates.hpp"
#include "collector/csv_export.hpp"
#include "collector/counts_json.hpp"

namespace gpwatch::collector {
namespace {

const std::vector<std::string> kWeeks{"2026-W40", "2026-W41"};

TotalRow total(const std::string& practice, const std::string& week, std::uint32_t revision, const std::string& reason,
               std::uint32_t value, bool redacted = false) {
    return TotalRow{practice, week, revision, reason, value, redacted};
}

std::vector<ReportRef> refs(const std::vector<TotalRow>& totals) {
    std::vector<ReportRef> out;
    for (const auto& t : totals) out.push_back({t.practice, t.period, t.revision});
    return out;
}

TEST(AggregatesTest, ThreePracticesOfTenMakeThirty) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unauthorised_write", 10),
                                       total("B2", "2026-W40", 1, "unauthorised_write", 10),
                                       total("C3", "2026-W40", 1, "unauthorised_write", 10)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    const auto a = t.cell("unauthorised_write", "2026-W40");
    EXPECT_EQ(a.shown.value, 30u);
    EXPECT_FALSE(a.shown.redacted);
    EXPECT_EQ(a.redacted_parts, 0u);
    EXPECT_EQ(a.practices, 3u);
    EXPECT_EQ(describe(a), "30");
    EXPECT_EQ(t.practices_reporting.at("2026-W40"), 3u);
    EXPECT_TRUE(t.cell("unauthorised_write", "2026-W41").no_reports());  // nobody reported W41
    EXPECT_FALSE(a.no_reports());
}

TEST(AggregatesTest, RedactedFiguresAreCountedApartNeverAddedIn) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unknown_writer", 0, true),
                                       total("B2", "2026-W40", 1, "unknown_writer", 0, true),
                                       total("C3", "2026-W40", 1, "unknown_writer", 10)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    const auto a = t.cell("unknown_writer", "2026-W40");
    EXPECT_EQ(a.shown.value, 10u);
    EXPECT_EQ(a.redacted_parts, 2u);
    EXPECT_FALSE(a.only_redacted());
    EXPECT_EQ(describe(a), "10 + 2 redacted");
}

TEST(AggregatesTest, OnlyRedactedFiguresShowNoNumber) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "processor_drift", 0, true),
                                       total("B2", "2026-W40", 1, "processor_drift", 0, true)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    const auto a = t.cell("processor_drift", "2026-W40");
    EXPECT_TRUE(a.only_redacted());
    EXPECT_EQ(describe(a), "redacted");
    const std::string json = counts_json(t);
    EXPECT_NE(json.find(R"("value":null,"redacted":true,"redacted_parts":2)"), std::string::npos) << json;
    const std::string csv = csv_export(t);
    EXPECT_NE(csv.find("2026-W40,processor_drift,redacted,2,2\r\n"), std::string::npos) << csv;
}

TEST(AggregatesTest, OnlyTheLatestRevisionOfAPracticesWeekCounts) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unauthorised_write", 50),
                                       total("A1", "2026-W40", 2, "unauthorised_write", 10),
                                       total("B2", "2026-W40", 1, "unauthorised_write", 15)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    EXPECT_EQ(t.cell("unauthorised_write", "2026-W40").shown.value, 25u);
    EXPECT_EQ(t.practices_reporting.at("2026-W40"), 2u);
}

TEST(AggregatesTest, ALaterRevisionWithoutTheReasonDropsItsOldFigure) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unknown_writer", 20)};
    std::vector<ReportRef> reports = refs(totals);
    reports.push_back({"A1", "2026-W40", 2});  // revision 2 counted nothing for that reason
    const auto t = aggregate_counts(kWeeks, reports, totals, {});
    EXPECT_EQ(t.cell("unknown_writer", "2026-W40").shown.value, 0u);
    EXPECT_EQ(t.cell("unknown_writer", "2026-W40").redacted_parts, 0u);
}

TEST(AggregatesTest, CellsStandInWhenAReportHasNoTotalForAReason) {
    const std::vector<CountRow> counts{{"A1", "2026-W40", 1, "unauthorised_write", "clinical", "acute-trust", "", 10, false},
                                       {"A1", "2026-W40", 1, "unauthorised_write", "update_record", "acute-trust", "", 0, true}};
    const auto t = aggregate_counts(kWeeks, {{"A1", "2026-W40", 1}}, {}, counts);
    const auto a = t.cell("unauthorised_write", "2026-W40");
    EXPECT_EQ(a.shown.value, 10u);
    EXPECT_EQ(a.redacted_parts, 1u);
}

TEST(AggregatesTest, WeekTotalsCarryRedactedPartsAndAreControlled) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unauthorised_write", 10),
                                       total("B2", "2026-W40", 1, "unknown_writer", 0, true),
                                       total("C3", "2026-W40", 1, "unknown_writer", 15)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    const auto& w = t.week_totals.at("2026-W40");
    EXPECT_EQ(w.shown.value, 25u);
    EXPECT_EQ(w.redacted_parts, 1u);
    EXPECT_EQ(w.practices, 3u);
    EXPECT_EQ(describe(w), "25 + 1 redacted");
    EXPECT_TRUE(t.week_totals.at("2026-W41").no_reports());
    EXPECT_EQ(describe(t.week_totals.at("2026-W41")), "no reports");
}

// The JSON object of (reason, week) in counts_json's "cells", or of week in its "totals" when
// reason is empty.
boost::json::object json_entry(const std::string& json, const std::string& reason, const std::string& week) {
    const auto doc = boost::json::parse(json).as_object();
    for (const auto& e : doc.at(reason.empty() ? "totals" : "cells").as_array()) {
        const auto& o = e.as_object();
        if (o.at("week").as_string() == week && (reason.empty() || o.at("reason").as_string() == reason)) return o;
    }
    ADD_FAILURE() << "no entry for " << reason << " " << week << " in " << json;
    return {};
}

TEST(AggregatesTest, AWeekNobodyReportedIsNoDataNeverZero) {
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unauthorised_write", 10)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    const auto a = t.cell("unauthorised_write", "2026-W41");
    EXPECT_TRUE(a.no_reports());
    EXPECT_EQ(a.practices_reporting, 0u);
    EXPECT_EQ(describe(a), "no reports");
    EXPECT_EQ(t.cell("unauthorised_write", "2026-W40").practices_reporting, 1u);

    const std::string json = counts_json(t);
    for (const std::string reason : {"unauthorised_write", ""}) {  // the cell and the week's total
        const auto o = json_entry(json, reason, "2026-W41");
        EXPECT_TRUE(o.at("value").is_null()) << json;
        EXPECT_FALSE(o.at("redacted").as_bool()) << json;
        EXPECT_EQ(o.at("practices_reporting").as_int64(), 0) << json;
        EXPECT_EQ(o.at("practices").as_int64(), 0) << json;
        EXPECT_EQ(o.at("text").as_string(), "no reports") << json;
    }
    EXPECT_EQ(json_entry(json, "unauthorised_write", "2026-W40").at("value").as_int64(), 10) << json;
    EXPECT_EQ(json_entry(json, "", "2026-W40").at("practices_reporting").as_int64(), 1) << json;

    EXPECT_EQ(csv_export(t), "period,reason,value,redacted_parts,practices\r\n"
                             "2026-W40,unauthorised_write,10,0,1\r\n"
                             "2026-W40,all reasons,10,0,1\r\n"
                             "2026-W41,unauthorised_write,,0,0\r\n"
                             "2026-W41,all reasons,,0,0\r\n");
}

TEST(AggregatesTest, PracticesThatReportedNothingForAReasonShowZero) {
    // W40: A1 sends 0 for unauthorised_write, B2 only unknown_writer. W41: C3 sends a report
    // with no figures at all. Each reason of a reported week is 0, not "no reports".
    const std::vector<TotalRow> totals{total("A1", "2026-W40", 1, "unauthorised_write", 0),
                                       total("B2", "2026-W40", 1, "unknown_writer", 10)};
    std::vector<ReportRef> reports = refs(totals);
    reports.push_back({"C3", "2026-W41", 1});
    const auto t = aggregate_counts(kWeeks, reports, totals, {});
    for (const auto& [reason, week] : std::vector<std::pair<std::string, std::string>>{
             {"unauthorised_write", "2026-W40"}, {"unauthorised_write", "2026-W41"}, {"unknown_writer", "2026-W41"}}) {
        const auto a = t.cell(reason, week);
        EXPECT_FALSE(a.no_reports()) << reason << " " << week;
        EXPECT_EQ(describe(a), "0") << reason << " " << week;
    }
    EXPECT_EQ(t.cell("unauthorised_write", "2026-W40").practices, 1u);
    EXPECT_EQ(t.cell("unauthorised_write", "2026-W40").practices_reporting, 2u);
    EXPECT_EQ(describe(t.week_total("2026-W41")), "0");

    const std::string json = counts_json(t);
    const auto zero = json_entry(json, "unauthorised_write", "2026-W41");
    EXPECT_EQ(zero.at("value").as_int64(), 0) << json;
    EXPECT_EQ(zero.at("practices_reporting").as_int64(), 1) << json;
    EXPECT_EQ(json_entry(json, "", "2026-W41").at("value").as_int64(), 0) << json;

    const std::string csv = csv_export(t);
    EXPECT_NE(csv.find("2026-W40,unauthorised_write,0,0,1\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find("2026-W41,unauthorised_write,0,0,0\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find("2026-W41,all reasons,0,0,1\r\n"), std::string::npos) << csv;
}

TEST(AggregatesTest, WeeksOutsideTheRangeAreIgnored) {
    const std::vector<TotalRow> totals{total("A1", "2026-W39", 1, "unauthorised_write", 100)};
    const auto t = aggregate_counts(kWeeks, refs(totals), totals, {});
    EXPECT_TRUE(t.reasons.empty());
    EXPECT_FALSE(t.practices_reporting.count("2026-W39"));
}

}  // namespace
}  // namespace gpwatch::collector
