// Internal alerts about gpwatchd itself: one alert when a condition starts, none while it
// persists, a "resolved" one when it ends; driven by observations and an injected clock.

#include "daemon/alerts/health_watch.hpp"
#include "daemon/ledger/ledger_reader.hpp"

#include "tests/unit/alerts/delivery_fixture.hpp"

using namespace gpwatch;
using namespace gpwatch::testing;
using namespace std::chrono_literals;

namespace {

class HealthWatchTest : public DeliveryFixture {
protected:
    void SetUp() override {
        DeliveryFixture::SetUp();
        internal_ = std::make_unique<alerts::InternalAlerts>(*ledger_, "Test Practice (C84001)");
        watch_ = std::make_unique<alerts::HealthWatch>(*internal_, *deliveries_);
        s_.feed_disconnected_after = 600s;
        s_.disk_free_min_bytes = 100 * 1024 * 1024;
        s_.outbox_backlog_max = 3;
        s_.outbox_oldest_max = 3600s;
    }
    void TearDown() override {
        watch_.reset();
        internal_.reset();
        DeliveryFixture::TearDown();
    }
    // Internal alerts in the ledger for `condition`, oldest first.
    std::vector<Alert> internal_alerts(const std::string& condition) {
        std::vector<Alert> out;
        for (const auto& r : LedgerReader(*ledger_).alerts())
            if (r.alert.kind == "internal" && r.alert.rule == condition) out.push_back(r.alert);
        return out;
    }
    alerts::HealthObservation seen(bool connected, std::uint64_t free_mb = 10000) {
        alerts::HealthObservation o;
        o.feed_connected = connected;
        o.disk_free_bytes = free_mb * 1024 * 1024;
        return o;
    }
    InternalAlertSettings s_;
    std::unique_ptr<alerts::InternalAlerts> internal_;
    std::unique_ptr<alerts::HealthWatch> watch_;
};

}  // namespace

TEST_F(HealthWatchTest, FeedDownLongerThanAllowedRaisesOnceAndResolvesOnce) {
    const std::int64_t t0 = 1'800'000'000;
    watch_->check(s_, seen(true), t0);
    watch_->check(s_, seen(false), t0 + 10);
    watch_->check(s_, seen(false), t0 + 609);
    EXPECT_TRUE(internal_alerts("feed_disconnected").empty()) << "a short disconnection is normal";
    watch_->check(s_, seen(false), t0 + 610);
    ASSERT_EQ(internal_alerts("feed_disconnected").size(), 1u);
    for (int i = 1; i <= 20; ++i) watch_->check(s_, seen(false), t0 + 610 + i * 30);
    EXPECT_EQ(internal_alerts("feed_disconnected").size(), 1u) << "none while it persists";
    const auto a = internal_alerts("feed_disconnected").front();
    EXPECT_EQ(a.severity, Severity::high);
    EXPECT_NE(a.subject.find("feed"), std::string::npos);
    EXPECT_NE(a.body.find("What to do"), std::string::npos);

    watch_->check(s_, seen(true), t0 + 2000);
    auto all = internal_alerts("feed_disconnected");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NE(all.back().subject.find("resolved"), std::string::npos);
    EXPECT_EQ(all.back().severity, Severity::info);
    // A new outage is a new condition: one more alert.
    watch_->check(s_, seen(false), t0 + 3000);
    watch_->check(s_, seen(false), t0 + 3700);
    EXPECT_EQ(internal_alerts("feed_disconnected").size(), 3u);
}

TEST_F(HealthWatchTest, DiskNearlyFullIsUrgentAndRaisedOnce) {
    const std::int64_t t0 = 1'800'000'000;
    watch_->check(s_, seen(true, 50), t0);
    watch_->check(s_, seen(true, 40), t0 + 30);
    auto a = internal_alerts("disk_nearly_full");
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a.front().severity, Severity::urgent);
    EXPECT_NE(a.front().body.find("50 MB free"), std::string::npos);
}

TEST_F(HealthWatchTest, OutboxBackingUpRaisesOnce) {
    const std::int64_t t0 = 1'800'000'000;
    for (int i = 0; i < 5; ++i) {
        auto id = add_write_alert("RW1", Reason::unauthorised_write, Severity::urgent, t0);
        ledger_->begin();
        deliveries_->add_delivery(id, "mail", "immediate", t0);
        deliveries_->mark_routed(id, t0);
        ledger_->commit();
    }
    watch_->check(s_, seen(true), t0);
    watch_->check(s_, seen(true), t0 + 30);
    EXPECT_EQ(internal_alerts("outbox_backlog").size(), 1u);
}

TEST_F(HealthWatchTest, ConditionsSurviveARestart) {
    const std::int64_t t0 = 1'800'000'000;
    watch_->check(s_, seen(true, 50), t0);
    // A new HealthWatch (gpwatchd restarted) sees the same full disk: no second alert.
    watch_ = std::make_unique<alerts::HealthWatch>(*internal_, *deliveries_);
    watch_->check(s_, seen(true, 50), t0 + 60);
    EXPECT_EQ(internal_alerts("disk_nearly_full").size(), 1u);
}

TEST_F(HealthWatchTest, DisabledRaisesNothing) {
    s_.enabled = false;
    watch_->check(s_, seen(false, 1), 1'800'000'000);
    watch_->check(s_, seen(false, 1), 1'800'090'000);
    EXPECT_TRUE(LedgerReader(*ledger_).alerts().empty());
}

TEST_F(HealthWatchTest, MeshUnansweredLongerThanAllowedRaisesOnceAndResolvesOnce) {
    const std::int64_t t0 = 1'800'000'000;
    s_.mesh_unreachable_after = 1800s;
    auto mesh = [&](std::int64_t last_success, const std::string& error = "connection refused") {
        auto o = seen(true);
        o.mesh_enabled = true;
        o.mesh_watched_since = t0;
        o.mesh_last_success_at = last_success;
        o.mesh_last_error = error;
        return o;
    };
    watch_->check(s_, mesh(t0 + 60), t0 + 60);
    watch_->check(s_, mesh(t0 + 60), t0 + 1859);
    EXPECT_TRUE(internal_alerts("mesh_unreachable").empty()) << "under 30 minutes since the last answer";
    watch_->check(s_, mesh(t0 + 60), t0 + 1860);
    auto raised = internal_alerts("mesh_unreachable");
    ASSERT_EQ(raised.size(), 1u);
    EXPECT_EQ(raised[0].severity, Severity::high);
    EXPECT_NE(raised[0].body.find("connection refused"), std::string::npos) << raised[0].body;
    EXPECT_NE(raised[0].body.find("5 days"), std::string::npos) << "what is at stake: " << raised[0].body;
    for (int i = 1; i <= 10; ++i) watch_->check(s_, mesh(t0 + 60), t0 + 1860 + i * 30);
    EXPECT_EQ(internal_alerts("mesh_unreachable").size(), 1u) << "none while it lasts";
    watch_->check(s_, mesh(t0 + 2400), t0 + 2410);
    auto all = internal_alerts("mesh_unreachable");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NE(all.back().subject.find("resolved"), std::string::npos);
}

TEST_F(HealthWatchTest, MeshNeverAnsweredSinceStartCountsFromTheStart) {
    const std::int64_t t0 = 1'800'000'000;
    s_.mesh_unreachable_after = 1800s;
    auto o = seen(true);
    o.mesh_enabled = true;
    o.mesh_watched_since = t0;
    watch_->check(s_, o, t0 + 1799);
    EXPECT_TRUE(internal_alerts("mesh_unreachable").empty());
    watch_->check(s_, o, t0 + 1800);
    EXPECT_EQ(internal_alerts("mesh_unreachable").size(), 1u);
}
