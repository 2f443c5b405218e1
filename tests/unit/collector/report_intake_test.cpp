// take_report: every status of the collector contract, against a real (in-memory) SQLite store.
#include <gtest/gtest.h>

#include <date/tz.h>

#include "collector/report_intake.hpp"
#include "collector/sqlite_report_store.hpp"
#include "proto/incident_report.pb.h"
#include "reporting/iso_week.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch::collector {
namespace {

constexpr const char* kProtobuf = "application/x-protobuf";

class ReportIntakeTest : public ::testing::Test {
protected:
    const date::time_zone* zone = date::locate_zone("Europe/London");
    SqliteReportStore store{":memory:"};
    reporting::SigningKey key = reporting::SigningKey::generate();
    reporting::IsoWeek week = *reporting::parse_iso_week("2026-W40", zone);
    std::int64_t now = week.end + 3 * 86400;  // three days after the week ended
    IntakeLimits limits;

    void SetUp() override { register_practice("A81001", key); }

    void register_practice(const std::string& ods, const reporting::SigningKey& k) {
        ASSERT_EQ(store.register_practice({ods, k.public_key_pem(), k.key_id(), now}, false), RegisterOutcome::registered);
    }

    report::IncidentReport report(const std::string& ods = "A81001", std::uint32_t revision = 1) {
        report::IncidentReport r;
        r.set_format_version(1);
        r.set_practice_ods(ods);
        r.set_period(week.name());
        r.set_period_start(week.start);
        r.set_period_end(week.end);
        r.set_revision(revision);
        r.set_gpwatch_version("test");
        r.set_settings_hash("sha256:00");
        r.set_generated_at(now - 60);
        auto* c = r.add_counts();
        c->set_reason("unauthorised_write");
        c->set_feed("clinical");
        c->set_writer_org_type("community-pharmacy");
        c->set_value(10);
        auto* t = r.add_totals();
        t->set_reason("unauthorised_write");
        t->set_value(10);
        return r;
    }

    IntakeResult take(const std::string& body, std::string_view content_type = kProtobuf) {
        return take_report(store, IntakeRequest{content_type, body, now}, limits, zone);
    }
};

TEST_F(ReportIntakeTest, StoresAGoodReportOnceThenCallsTheSameBytesAReplay) {
    const std::string body = reporting::seal_report(report(), key);
    const auto first = take(body);
    EXPECT_EQ(first.status, IntakeStatus::stored) << first.detail;
    EXPECT_EQ(http_status(first.status), 201u);
    EXPECT_EQ(first.digest, body_digest(body));
    EXPECT_EQ(first.practice, "A81001");
    EXPECT_EQ(first.period, "2026-W40");

    const auto again = take(body);
    EXPECT_EQ(again.status, IntakeStatus::replayed);
    EXPECT_EQ(http_status(again.status), 409u);
    EXPECT_EQ(again.digest, first.digest);  // the uploader matches this to treat it as delivered
    ASSERT_EQ(store.revisions("A81001", "2026-W40").size(), 1u);
    EXPECT_EQ(store.latest_counts("2026-W40", "2026-W40").size(), 1u);
}

TEST_F(ReportIntakeTest, ATamperedByteFailsTheSignature) {
    report::SignedIncidentReport envelope;
    ASSERT_TRUE(envelope.ParseFromString(reporting::seal_report(report(), key)));
    std::string inner = envelope.report();
    const auto at = inner.find("test");  // gpwatch_version: still a valid IncidentReport after the change
    ASSERT_NE(at, std::string::npos);
    inner[at] = 'T';
    envelope.set_report(inner);
    const auto r = take(envelope.SerializeAsString());
    EXPECT_EQ(r.status, IntakeStatus::bad_signature) << r.detail;
    EXPECT_EQ(http_status(r.status), 401u);
    EXPECT_TRUE(store.revisions("A81001", "2026-W40").empty());
}

TEST_F(ReportIntakeTest, AnEmptySignatureIsUnsigned) {
    report::SignedIncidentReport envelope;
    ASSERT_TRUE(envelope.ParseFromString(reporting::seal_report(report(), key)));
    envelope.clear_signature();
    const auto r = take(envelope.SerializeAsString());
    EXPECT_EQ(r.status, IntakeStatus::unsigned_report);
    EXPECT_EQ(status_word(r.status), "unsigned");
    EXPECT_EQ(http_status(r.status), 401u);
}

TEST_F(ReportIntakeTest, AnUnregisteredPracticeIsUnknown) {
    const auto r = take(reporting::seal_report(report("B82002"), key));
    EXPECT_EQ(r.status, IntakeStatus::unknown_practice);
    EXPECT_EQ(http_status(r.status), 403u);
}

TEST_F(ReportIntakeTest, AnotherKeyIsAnUnregisteredKey) {
    const auto other = reporting::SigningKey::generate();
    const auto r = take(reporting::seal_report(report(), other));
    EXPECT_EQ(r.status, IntakeStatus::unregistered_key);
    EXPECT_EQ(http_status(r.status), 403u);
}

// The key id is the client's own text and goes into the detail and the log line: a line break or
// a flood in it must not forge or swamp log lines.
TEST_F(ReportIntakeTest, AKeyIdEchoedInTheDetailIsOneShortLine) {
    const auto other = reporting::SigningKey::generate();
    report::SignedIncidentReport envelope;
    ASSERT_TRUE(envelope.ParseFromString(reporting::seal_report(report(), other)));
    envelope.set_key_id("ed25519:x\nupload from 10.0.0.1: practice A81001 201 stored" + std::string(5000, 'k'));
    const auto r = take(envelope.SerializeAsString());
    EXPECT_EQ(r.status, IntakeStatus::unregistered_key);
    EXPECT_EQ(r.detail.find('\n'), std::string::npos) << r.detail;
    EXPECT_LT(r.detail.size(), 300u);
}

TEST_F(ReportIntakeTest, AForgedKeyIdWithAnotherKeysSignatureFailsTheSignature) {
    const auto other = reporting::SigningKey::generate();
    report::SignedIncidentReport envelope;
    ASSERT_TRUE(envelope.ParseFromString(reporting::seal_report(report(), other)));
    envelope.set_key_id(key.key_id());  // claims the registered key, signed by another
    const auto r = take(envelope.SerializeAsString());
    EXPECT_EQ(r.status, IntakeStatus::bad_signature);
}

TEST_F(ReportIntakeTest, AnOlderOrEqualRevisionWithOtherBytesIsSuperseded) {
    ASSERT_EQ(take(reporting::seal_report(report("A81001", 2), key)).status, IntakeStatus::stored);
    auto older = report("A81001", 1);
    const auto r1 = take(reporting::seal_report(older, key));
    EXPECT_EQ(r1.status, IntakeStatus::superseded) << r1.detail;
    EXPECT_EQ(http_status(r1.status), 409u);
    auto same_revision = report("A81001", 2);
    same_revision.set_generated_at(now - 30);  // other bytes, same revision
    EXPECT_EQ(take(reporting::seal_report(same_revision, key)).status, IntakeStatus::superseded);
    EXPECT_EQ(take(reporting::seal_report(report("A81001", 3), key)).status, IntakeStatus::stored);
}

TEST_F(ReportIntakeTest, FutureGeneratedAtOrAnOpenPeriodIsFutureDated) {
    auto ahead = report();
    ahead.set_generated_at(now + limits.max_clock_skew.count() + 1);
    const auto r = take(reporting::seal_report(ahead, key));
    EXPECT_EQ(r.status, IntakeStatus::future_dated);
    EXPECT_EQ(http_status(r.status), 422u);

    auto within = report();
    within.set_generated_at(now + limits.max_clock_skew.count() - 1);  // clocks differ a little
    EXPECT_EQ(take(reporting::seal_report(within, key)).status, IntakeStatus::stored);

    now = week.start + 86400;  // Tuesday of the reported week: it has not ended
    auto open = report("A81001", 5);
    open.set_generated_at(now - 10);
    EXPECT_EQ(take(reporting::seal_report(open, key)).status, IntakeStatus::future_dated);
}

TEST_F(ReportIntakeTest, OversizeIsTooLargeWithoutParsing) {
    limits.max_report_bytes = 1024;
    const auto r = take(std::string(1025, '\0'));
    EXPECT_EQ(r.status, IntakeStatus::too_large);
    EXPECT_EQ(http_status(r.status), 413u);
    EXPECT_TRUE(r.digest.empty());
}

TEST_F(ReportIntakeTest, MalformedBodiesAreRefused) {
    EXPECT_EQ(take("").status, IntakeStatus::malformed);
    EXPECT_EQ(take("this is not a protobuf at all \xff\xff\xff").status, IntakeStatus::malformed);
    report::SignedIncidentReport garbage_inner;
    garbage_inner.set_report("\xff\xff\xff\xff");
    garbage_inner.set_signature("x");
    EXPECT_EQ(take(garbage_inner.SerializeAsString()).status, IntakeStatus::malformed);

    auto bad_period = report();
    bad_period.set_period("2026-W99");
    EXPECT_EQ(take(reporting::seal_report(bad_period, key)).status, IntakeStatus::malformed);
    auto no_ods = report();
    no_ods.set_practice_ods("");
    EXPECT_EQ(take(reporting::seal_report(no_ods, key)).status, IntakeStatus::malformed);
    auto wrong_bounds = report();
    wrong_bounds.set_period_end(week.end + 3600);
    EXPECT_EQ(take(reporting::seal_report(wrong_bounds, key)).status, IntakeStatus::malformed);
    // A raw 3 has not passed disclosure control: never stored, even signed by the practice.
    auto uncontrolled = report();
    uncontrolled.mutable_counts(0)->set_value(3);
    const auto r = take(reporting::seal_report(uncontrolled, key));
    EXPECT_EQ(r.status, IntakeStatus::malformed);
    EXPECT_NE(r.detail.find("disclosure control"), std::string::npos);
    auto free_text = report();
    free_text.mutable_counts(0)->set_reason("Mrs Smith's record");
    EXPECT_EQ(take(reporting::seal_report(free_text, key)).status, IntakeStatus::malformed);
    EXPECT_EQ(http_status(IntakeStatus::malformed), 400u);
    EXPECT_TRUE(store.revisions("A81001", "2026-W40").empty());
}

TEST_F(ReportIntakeTest, WrongContentTypeIs415) {
    const std::string body = reporting::seal_report(report(), key);
    EXPECT_EQ(take(body, "application/json").status, IntakeStatus::wrong_content_type);
    EXPECT_EQ(http_status(IntakeStatus::wrong_content_type), 415u);
    EXPECT_EQ(take(body, "Application/X-Protobuf; charset=binary").status, IntakeStatus::stored);
}

}  // namespace
}  // namespace gpwatch::collector
