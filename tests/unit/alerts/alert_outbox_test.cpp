// The outbox against a real ledger and a real Maildir: a failing inbox is retried with backoff,
// nothing is lost, and once it works every alert lands exactly once.

#include "daemon/alerts/alert_outbox.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "connectors/mail/maildir_sink.hpp"
#include "daemon/ledger/delivery_ledger.hpp"

using namespace gpwatch;
namespace fs = std::filesystem;

namespace {

class AlertOutboxTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("gpwatch-outbox-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
        sink_ = std::make_unique<mail::MaildirSink>((dir_ / "inbox").string(), mail::Envelope{"f@x", "t@x", "C84001"});
        RecordEvent ev;
        ev.seq = 1;
        ev.kind = EventKind::entry_created;
        ev.entry_id = "e-1";
        ev.author.ods = "RW1";
        ledger_->begin();
        auto w = ledger_->upsert_write(ev, 3600, 0, 1000).write_id;
        ledger_->add_alert(w, {Reason::unauthorised_write, Severity::urgent, ""}, "s1", "b1", 1000);
        ledger_->add_alert(w, {Reason::unreviewed_overdue, Severity::high, ""}, "s2", "b2", 1000);
        ledger_->commit();
    }
    void TearDown() override {
        ledger_.reset();
        fs::remove_all(dir_);
    }
    std::size_t delivered_files() {
        std::size_t n = 0;
        for (auto& e : fs::directory_iterator(dir_ / "inbox" / "new")) n += e.is_regular_file();
        return n;
    }
    fs::path dir_;
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<mail::MaildirSink> sink_;
};

}  // namespace

TEST_F(AlertOutboxTest, RetriesWhileTheInboxIsBrokenThenDeliversEachOnce) {
    alerts::AlertOutbox outbox(*ledger_, *sink_);
    fs::remove(dir_ / "inbox" / "tmp");
    std::ofstream(dir_ / "inbox" / "tmp") << "broken";

    auto first = outbox.deliver_due(1000);
    EXPECT_EQ(first.retried, 2);
    EXPECT_EQ(first.delivered, 0);
    auto next = DeliveryLedger(*ledger_).next_delivery_attempt();
    EXPECT_GE(next, 1000 + 2) << "backoff: not retried at once";
    EXPECT_LE(next, 1000 + 5);
    EXPECT_EQ(outbox.deliver_due(1001).retried, 0) << "nothing is due before the backoff ends";

    fs::remove(dir_ / "inbox" / "tmp");
    fs::create_directory(dir_ / "inbox" / "tmp");
    auto later = outbox.deliver_due(next + 10);
    EXPECT_EQ(later.delivered, 2);
    EXPECT_EQ(delivered_files(), 2u);
    EXPECT_EQ(outbox.deliver_due(next + 100).delivered, 0) << "delivered alerts are not sent again";
    for (const auto& a : ledger_->list_alerts()) {
        EXPECT_EQ(a.alert.state, DeliveryState::delivered);
        EXPECT_EQ(a.alert.attempts, 2);
    }
}

TEST_F(AlertOutboxTest, BackoffGrowsAndIsCappedAtAnHour) {
    alerts::AlertOutbox outbox(*ledger_, *sink_);
    for (int attempts = 0; attempts < 20; ++attempts) {
        auto d = outbox.retry_delay(attempts);
        std::int64_t step = std::min<std::int64_t>(5LL << std::min(attempts, 20), 3600);
        EXPECT_GT(d, step / 2) << attempts;
        EXPECT_LE(d, step) << attempts;
    }
}
