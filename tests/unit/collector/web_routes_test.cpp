// The web routes and the upload route without sockets: page with its CSP nonce, JSON and CSV
// of the controlled aggregates, and the contract's JSON answers.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <date/tz.h>

#include "collector/sqlite_report_store.hpp"
#include "collector/upload_route.hpp"
#include "collector/web_routes.hpp"
#include "reporting/iso_week.hpp"

namespace gpwatch::collector {
namespace {

class WebRoutesTest : public ::testing::Test {
protected:
    const date::time_zone* zone = date::locate_zone("Europe/London");
    SqliteReportStore store{":memory:"};
    std::int64_t now = reporting::parse_iso_week("2026-W42", zone)->start + 3600;
    WebRoutes routes{store, zone, [this] { return now; }};

    void SetUp() override {
        for (const char* ods : {"A1000", "B2000", "C3000"}) store.register_practice({ods, "PEM", ods, 1}, false);
        auto add = [&](const std::string& ods, std::uint32_t value, bool redacted) {
            NewReport r{ods, "2026-W40", 1, "sha256:" + ods, "b", 1, 2, {}, {}};
            r.totals.push_back({ods, "2026-W40", 1, "unknown_writer", value, redacted});
            store.insert_report(r);
        };
        add("A1000", 0, true);
        add("B2000", 0, true);
        add("C3000", 10, false);
    }
    HttpAnswer get(const std::string& target) { return routes.answer(HttpAsk{"GET", target, "", "", "test"}); }
};

TEST_F(WebRoutesTest, PageCarriesAFreshNonceInItsPolicy) {
    const auto a = get("/");
    ASSERT_EQ(a.status, 200u);
    EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
    std::string csp;
    for (const auto& [k, v] : a.headers)
        if (k == "Content-Security-Policy") csp = v;
    const auto n = csp.find("'nonce-");
    ASSERT_NE(n, std::string::npos) << csp;
    const std::string nonce = csp.substr(n + 7, csp.find('\'', n + 7) - n - 7);
    EXPECT_NE(a.body.find("<script nonce=\"" + nonce + "\">"), std::string::npos);
    EXPECT_EQ(a.body.find("@NONCE@"), std::string::npos);
    EXPECT_EQ(a.body.find("http://"), a.body.find("http://www.w3.org/2000/svg"));  // no fetch anywhere else
    EXPECT_NE(get("/").headers, a.headers);  // a new nonce per page
}

TEST_F(WebRoutesTest, ApiCountsDefaultsToTheLastTwelveEndedWeeks) {
    const auto a = get("/api/counts");
    ASSERT_EQ(a.status, 200u) << a.body;
    const auto json = boost::json::parse(a.body).as_object();
    const auto& weeks = json.at("weeks").as_array();
    ASSERT_EQ(weeks.size(), 12u);
    EXPECT_EQ(weeks.back().as_string(), "2026-W41");
    bool found = false;
    for (const auto& c : json.at("cells").as_array()) {
        const auto& o = c.as_object();
        if (o.at("week").as_string() == "2026-W40" && o.at("reason").as_string() == "unknown_writer") {
            found = true;
            EXPECT_EQ(o.at("value").as_int64(), 10);
            EXPECT_EQ(o.at("redacted_parts").as_int64(), 2);
            EXPECT_EQ(o.at("text").as_string(), "10 + 2 redacted");
            EXPECT_EQ(o.at("practices_reporting").as_int64(), 3);
        }
        if (o.at("week").as_string() == "2026-W41") {  // nobody reported: no data, not 0
            EXPECT_TRUE(o.at("value").is_null()) << o;
            EXPECT_EQ(o.at("practices_reporting").as_int64(), 0) << o;
            EXPECT_EQ(o.at("text").as_string(), "no reports") << o;
        }
    }
    EXPECT_TRUE(found) << a.body;
}

TEST_F(WebRoutesTest, CsvAndBadRanges) {
    const auto csv = get("/export.csv?from=2026-W40&to=2026-W40");
    ASSERT_EQ(csv.status, 200u);
    EXPECT_EQ(csv.body, "period,reason,value,redacted_parts,practices\r\n"
                        "2026-W40,unknown_writer,10,2,3\r\n"
                        "2026-W40,all reasons,10,2,3\r\n");
    EXPECT_EQ(get("/export.csv?from=2026-W40&to=2026-W41").body,
              "period,reason,value,redacted_parts,practices\r\n"
              "2026-W40,unknown_writer,10,2,3\r\n"
              "2026-W40,all reasons,10,2,3\r\n"
              "2026-W41,unknown_writer,,0,0\r\n"  // nobody reported W41: an empty value
              "2026-W41,all reasons,,0,0\r\n");
    EXPECT_EQ(get("/api/counts?from=2026-W45&to=2026-W40").status, 400u);
    EXPECT_EQ(get("/api/counts?from=soon").status, 400u);
    EXPECT_EQ(get("/api/counts?from=2000-W01&to=2026-W40").status, 400u);  // over five years
    EXPECT_EQ(get("/nope").status, 404u);
    EXPECT_EQ(routes.answer(HttpAsk{"POST", "/", "", "", "t"}).status, 405u);
}

TEST_F(WebRoutesTest, UploadRouteAnswersWithTheContractsJson) {
    UploadRoute upload(store, IntakeLimits{}, zone, [this] { return now; });
    const auto a = upload.answer(HttpAsk{"POST", "/v1/reports", "application/x-protobuf", "garbage\xff", "t"});
    EXPECT_EQ(a.status, 400u);
    const auto json = boost::json::parse(a.body).as_object();
    EXPECT_EQ(json.at("status").as_string(), "malformed");
    EXPECT_EQ(json.at("digest").as_string(), body_digest("garbage\xff"));
    EXPECT_EQ(upload.answer(HttpAsk{"GET", "/v1/reports", "", "", "t"}).status, 405u);
    EXPECT_EQ(upload.answer(HttpAsk{"POST", "/", "", "", "t"}).status, 404u);
    EXPECT_EQ(upload.too_large("t").status, 413u);
}

}  // namespace
}  // namespace gpwatch::collector
