// LmcReporter's decisions (what each upload outcome does to the lmc_reports outbox and the
// internal alerts) and its round (worker thread, hold after collector trouble, stop), against a
// real SQLite ledger and a scripted uploader: no network here (lmc_uploader_test has the real one).

#include "daemon/app/lmc_reporter.hpp"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

using namespace gpwatch;
using lmc_upload::RetryCause;
using lmc_upload::UploadOutcome;
using lmc_upload::UploadResult;
namespace fs = std::filesystem;

namespace {

// Far from the real clock, so the reporter's own timer (armed at these times) never fires during
// a test: every round here is started by the test.
constexpr std::int64_t kNow = 4'000'000'000;

UploadOutcome outcome(UploadResult result, long status, std::string word, std::string detail = "",
                      RetryCause cause = RetryCause::none) {
    UploadOutcome o;
    o.result = result;
    o.cause = cause;
    o.http_status = status;
    o.status_word = std::move(word);
    o.detail = std::move(detail);
    if (result != UploadResult::delivered) o.error = "collector answered HTTP " + std::to_string(status);
    return o;
}

// Answers uploads from a script, on whatever thread calls it; records the bodies it was given.
// An empty script blocks until cancel(), like a collector that never answers.
class ScriptedUploader : public lmc_upload::ReportUploader {
public:
    void push(UploadOutcome o) {
        std::lock_guard lock(m_);
        script_.push_back(std::move(o));
    }
    UploadOutcome upload(std::string_view body) override {
        std::unique_lock lock(m_);
        bodies_.emplace_back(body);
        cv_.wait(lock, [&] { return cancelled_ || !script_.empty(); });
        if (cancelled_) {
            UploadOutcome o;
            o.cause = RetryCause::cancelled;
            o.error = "upload cancelled";
            return o;
        }
        auto o = script_.front();
        script_.pop_front();
        return o;
    }
    void cancel() override {
        std::lock_guard lock(m_);
        cancelled_ = true;
        cv_.notify_all();
    }
    std::vector<std::string> bodies() {
        std::lock_guard lock(m_);
        return bodies_;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<UploadOutcome> script_;
    std::vector<std::string> bodies_;
    bool cancelled_ = false;
};

struct Raised {
    std::string key, headline, detail;
};

class LmcReporterTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path(testing::TempDir()) / ("lmc-reporter-" + std::to_string(::getpid()) + "-" +
                                               testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
        const auto key_file = dir_ / "lmc-signing-key.pem";
        std::ofstream(key_file) << reporting::SigningKey::generate().private_key_pem();
        settings_.practice_ods = "C84001";
        settings_.practice_name = "Riverside Surgery";
        settings_.reporting.enabled = true;
        settings_.reporting.signing_key_file = key_file.string();
        settings_.reporting.upload = ReportingUploadSettings{"https://lmc.example/v1/reports", "", "", "", {}};
    }
    void TearDown() override {
        reporter_.reset();
        ledger_.reset();
        fs::remove_all(dir_);
    }

    LmcReporter& make(bool with_uploader = true) {
        auto up = std::make_unique<ScriptedUploader>();
        uploader_ = up.get();
        LmcReporterHooks hooks;
        hooks.now = [this] { return clock_; };
        hooks.raise_refused = [this](const std::string& key, const std::string& headline, const std::string& detail,
                                     std::int64_t) {
            raised_.push_back({key, headline, detail});
            return alert_recorded_;
        };
        hooks.raise_delayed = [this](const std::string& key, const std::string& headline, const std::string& detail,
                                     std::int64_t) {
            delayed_.push_back({key, headline, detail});
            return true;
        };
        hooks.fatal = [this](const std::string& what) { fatal_ = what; };
        std::unique_ptr<lmc_upload::ReportUploader> given;
        if (with_uploader) given = std::move(up);
        else uploader_ = nullptr;
        reporter_ = std::make_unique<LmcReporter>(io_.get_executor(), *ledger_, settings_, std::move(given),
                                                  std::move(hooks));
        return *reporter_;
    }

    void add_report(const std::string& period, std::int64_t revision, std::int64_t due_at) {
        StoredReport r;
        r.period = period;
        r.revision = revision;
        r.content_digest = "digest-" + period;
        r.body = std::string("signed\0bytes of ", 16) + period + " r" + std::to_string(revision);
        r.created_at = due_at;
        r.state = "pending";
        r.next_attempt_at = due_at;
        ReportLedger(*ledger_).insert(r);
    }

    StoredReport row(const std::string& period, std::int64_t revision) {
        for (auto& r : ReportLedger(*ledger_).list())
            if (r.period == period && r.revision == revision) return r;
        ADD_FAILURE() << "no row " << period << " r" << revision;
        return {};
    }

    // Runs the event loop until the round in progress has finished (outcomes come back from the
    // reporter's worker thread through it).
    void finish_round() {
        for (int i = 0; i < 200 && reporter_->busy(); ++i) io_.run_one_for(std::chrono::milliseconds(20));
        ASSERT_FALSE(reporter_->busy()) << "the round did not finish";
    }

    fs::path dir_;
    boost::asio::io_context io_;
    // Keeps run_one_for() waiting for the worker's outcome rather than returning on an idle loop.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::unique_ptr<Ledger> ledger_;
    Settings settings_;
    std::unique_ptr<LmcReporter> reporter_;
    ScriptedUploader* uploader_ = nullptr;
    std::int64_t clock_ = kNow;
    std::vector<Raised> raised_;
    std::vector<Raised> delayed_;
    bool alert_recorded_ = true;
    std::string fatal_;
};

}  // namespace

TEST(LmcRetryDelay, FiveSecondsDoublingToAnHourWithJitter) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 50; ++i) {
        const auto first = lmc_retry_delay(1, rng);
        EXPECT_GE(first, 2);
        EXPECT_LE(first, 5);
        const auto third = lmc_retry_delay(3, rng);
        EXPECT_GE(third, 10);
        EXPECT_LE(third, 20);
        const auto late = lmc_retry_delay(40, rng);
        EXPECT_GE(late, 1800);
        EXPECT_LE(late, 3600);
    }
}

TEST_F(LmcReporterTest, ABadSigningKeyStopsTheStartNamingTheFile) {
    settings_.reporting.signing_key_file = (dir_ / "no-such-key.pem").string();
    try {
        make();
        FAIL() << "a missing key must not start";
    } catch (const reporting::KeyError& e) {
        EXPECT_NE(std::string(e.what()).find("no-such-key.pem"), std::string::npos) << e.what();
    }
}

TEST_F(LmcReporterTest, DeliveredIsRecorded) {
    auto& r = make();
    add_report("2026-W10", 1, kNow);
    EXPECT_EQ(r.apply(row("2026-W10", 1), outcome(UploadResult::delivered, 201, "stored"), kNow + 3), 0);
    const auto after = row("2026-W10", 1);
    EXPECT_EQ(after.state, "delivered");
    EXPECT_EQ(after.delivered_at, kNow + 3);
    EXPECT_TRUE(raised_.empty());
}

TEST_F(LmcReporterTest, RetryableBacksOffAndSaysWhy) {
    auto& r = make();
    add_report("2026-W10", 1, kNow);
    auto busy = outcome(UploadResult::retryable, 503, "unavailable", "", RetryCause::server_error);
    const auto next = r.apply(row("2026-W10", 1), busy, kNow);
    auto after = row("2026-W10", 1);
    EXPECT_EQ(after.state, "pending");
    EXPECT_EQ(after.attempts, 1);
    EXPECT_EQ(after.next_attempt_at, next);
    EXPECT_GE(next, kNow + 2);
    EXPECT_LE(next, kNow + 5);
    EXPECT_NE(after.last_error.find("HTTP 503"), std::string::npos) << after.last_error;

    const auto second = r.apply(after, busy, kNow + 10);
    after = row("2026-W10", 1);
    EXPECT_EQ(after.attempts, 2);
    EXPECT_GE(second, kNow + 10 + 5);
    EXPECT_LE(second, kNow + 10 + 10);
    EXPECT_TRUE(raised_.empty()) << "collector trouble is not a refusal";
}

TEST_F(LmcReporterTest, RefusedRaisesOneAlertNamingPeriodRevisionStatusAndDetail) {
    auto& r = make();
    add_report("2026-W10", 2, kNow);
    const auto refused = outcome(UploadResult::refused, 403, "unknown_practice", "practice C84001 is not registered");
    EXPECT_EQ(r.apply(row("2026-W10", 2), refused, kNow), 0);
    ASSERT_EQ(raised_.size(), 1u);
    EXPECT_EQ(raised_[0].key, "lmc_upload_refused:2026-W10:2");
    EXPECT_NE(raised_[0].detail.find("2026-W10 revision 2"), std::string::npos) << raised_[0].detail;
    EXPECT_NE(raised_[0].detail.find("HTTP 403 unknown_practice"), std::string::npos) << raised_[0].detail;
    EXPECT_NE(raised_[0].detail.find("practice C84001 is not registered"), std::string::npos);
    const auto after = row("2026-W10", 2);
    EXPECT_EQ(after.state, "failed");
    EXPECT_NE(after.last_error.find("HTTP 403"), std::string::npos);
}

// Revision 1 was backing off when late events sealed revision 2, which went first; the collector
// then calls revision 1 superseded. That is no refusal anyone must act on: no alert.
TEST_F(LmcReporterTest, AnOlderRevisionSupersededByOurOwnNewerOneRaisesNoAlert) {
    auto& r = make();
    add_report("2026-W10", 1, kNow);
    add_report("2026-W10", 2, kNow);
    const auto superseded = outcome(UploadResult::refused, 409, "superseded", "revision is not newer");
    EXPECT_EQ(r.apply(row("2026-W10", 1), superseded, kNow), 0);
    EXPECT_TRUE(raised_.empty()) << raised_.front().detail;
    const auto after = row("2026-W10", 1);
    EXPECT_EQ(after.state, "failed") << "not sent again";
    EXPECT_NE(after.last_error.find("superseded by revision 2"), std::string::npos) << after.last_error;

    // The newest revision called superseded (the collector holds a later one we never made): alert.
    EXPECT_EQ(r.apply(row("2026-W10", 2), superseded, kNow), 0);
    ASSERT_EQ(raised_.size(), 1u);
    EXPECT_EQ(raised_[0].key, "lmc_upload_refused:2026-W10:2");
    EXPECT_EQ(row("2026-W10", 2).state, "failed");
}

TEST_F(LmcReporterTest, ARefusalWhoseAlertWasNotRecordedStaysPending) {
    auto& r = make();
    add_report("2026-W10", 1, kNow);
    alert_recorded_ = false;
    const auto next = r.apply(row("2026-W10", 1), outcome(UploadResult::refused, 400, "malformed"), kNow);
    const auto after = row("2026-W10", 1);
    EXPECT_EQ(after.state, "pending") << "tried (and alerted) again rather than failed silently";
    EXPECT_EQ(after.attempts, 1);
    EXPECT_GT(next, kNow);
}

TEST_F(LmcReporterTest, ARoundUploadsOldestFirstOffTheLoopAndHoldsAfterCollectorTrouble) {
    auto& r = make();
    add_report("2026-W08", 1, kNow - 100);
    add_report("2026-W09", 1, kNow - 50);
    add_report("2026-W10", 1, kNow);
    uploader_->push(outcome(UploadResult::delivered, 201, "stored"));
    uploader_->push(outcome(UploadResult::retryable, 0, "", "", RetryCause::connection));
    ASSERT_TRUE(r.run_round());
    EXPECT_TRUE(r.busy()) << "the upload runs on the worker, the round waits for it";
    finish_round();

    auto bodies = uploader_->bodies();
    ASSERT_EQ(bodies.size(), 2u) << "the round stops at collector trouble";
    EXPECT_NE(bodies[0].find("2026-W08"), std::string::npos);
    EXPECT_EQ(bodies[0].substr(0, 16), std::string("signed\0bytes of ", 16)) << "the exact stored bytes";
    EXPECT_EQ(row("2026-W08", 1).state, "delivered");
    const auto held = row("2026-W09", 1);
    EXPECT_EQ(held.attempts, 1);
    EXPECT_EQ(row("2026-W10", 1).attempts, 0) << "not tried: the collector was down";

    // Still down: a round before the retry time uploads nothing, even the untried report.
    clock_ = kNow + 1;
    ASSERT_TRUE(r.run_round());
    finish_round();
    EXPECT_EQ(uploader_->bodies().size(), 2u);

    // Back: both go.
    clock_ = held.next_attempt_at;
    uploader_->push(outcome(UploadResult::delivered, 201, "stored"));
    uploader_->push(outcome(UploadResult::delivered, 409, "replayed"));
    ASSERT_TRUE(r.run_round());
    finish_round();
    EXPECT_EQ(uploader_->bodies().size(), 4u);
    EXPECT_EQ(row("2026-W09", 1).state, "delivered");
    EXPECT_EQ(row("2026-W10", 1).state, "delivered");
    EXPECT_TRUE(fatal_.empty()) << fatal_;
}

TEST_F(LmcReporterTest, ARefusalDoesNotHoldTheRestOfTheRound) {
    auto& r = make();
    add_report("2026-W09", 1, kNow - 50);
    add_report("2026-W10", 1, kNow);
    uploader_->push(outcome(UploadResult::refused, 422, "future_dated", "period not yet ended"));
    uploader_->push(outcome(UploadResult::delivered, 201, "stored"));
    ASSERT_TRUE(r.run_round());
    finish_round();
    EXPECT_EQ(row("2026-W09", 1).state, "failed");
    EXPECT_EQ(row("2026-W10", 1).state, "delivered");
    EXPECT_EQ(raised_.size(), 1u);
}

TEST_F(LmcReporterTest, StopCancelsTheUploadInProgressAndLeavesItPending) {
    auto& r = make();
    add_report("2026-W10", 1, kNow);
    ASSERT_TRUE(r.run_round());  // the scripted uploader has no answer: it hangs until cancelled
    for (int i = 0; i < 100 && uploader_->bodies().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(uploader_->bodies().size(), 1u);
    r.stop();
    finish_round();
    const auto after = row("2026-W10", 1);
    EXPECT_EQ(after.state, "pending");
    EXPECT_EQ(after.attempts, 0) << "a cancelled upload is no failed attempt";
    EXPECT_FALSE(r.run_round()) << "no rounds after stop";
}

TEST_F(LmcReporterTest, WithoutAnUploaderNothingIsSent) {
    settings_.reporting.upload.reset();
    auto& r = make(false);
    add_report("2026-W10", 1, kNow);  // left pending by an earlier configuration
    ASSERT_TRUE(r.run_round());
    EXPECT_FALSE(r.busy());
    EXPECT_EQ(row("2026-W10", 1).state, "pending");
    EXPECT_TRUE(fatal_.empty()) << fatal_;
}

TEST_F(LmcReporterTest, WeeksKeptUnsentAreQueuedOnceAnUploadIsConfigured) {
    StoredReport kept;
    kept.period = "2026-W10";
    kept.revision = 1;
    kept.content_digest = "digest";
    kept.body = "sealed while no upload was configured";
    kept.created_at = kNow - 7 * 86400;
    kept.state = "unsent";
    kept.next_attempt_at = kept.created_at;
    ReportLedger(*ledger_).insert(kept);

    auto& r = make();  // this start has an uploader
    r.start(std::chrono::seconds(5));
    EXPECT_EQ(row("2026-W10", 1).state, "pending");
    EXPECT_EQ(row("2026-W10", 1).next_attempt_at, kNow);
    uploader_->push(outcome(UploadResult::delivered, 201, "stored"));
    ASSERT_TRUE(r.run_round());
    finish_round();
    EXPECT_EQ(row("2026-W10", 1).state, "delivered");
    ASSERT_EQ(uploader_->bodies().size(), 1u);
    EXPECT_EQ(uploader_->bodies()[0], kept.body);
    r.stop();
}

TEST_F(LmcReporterTest, AReportStillUndeliveredADayAfterItWasSealedRaisesOneDelayedAlert) {
    auto& r = make();
    add_report("2026-W10", 1, kNow - 3600);  // sealed an hour ago
    const auto down = outcome(UploadResult::retryable, 0, "", "", RetryCause::connection);
    r.apply(row("2026-W10", 1), down, kNow);
    EXPECT_TRUE(delayed_.empty()) << "an hour of retrying is no news";

    const std::int64_t day_later = kNow - 3600 + 24 * 3600;
    r.apply(row("2026-W10", 1), down, day_later);
    r.apply(row("2026-W10", 1), down, day_later + 3600);
    ASSERT_EQ(delayed_.size(), 2u) << "raised on each failure; the key makes it one alert";
    EXPECT_EQ(delayed_[0].key, "lmc_upload_delayed:2026-W10:1");
    EXPECT_EQ(delayed_[0].key, delayed_[1].key);
    EXPECT_NE(delayed_[0].detail.find("2026-W10 revision 1"), std::string::npos) << delayed_[0].detail;
    EXPECT_NE(delayed_[0].detail.find("24 hours"), std::string::npos) << delayed_[0].detail;
    EXPECT_EQ(row("2026-W10", 1).state, "pending") << "still retried";
    EXPECT_TRUE(raised_.empty());
}
