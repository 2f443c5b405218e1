#pragma once
// Shared by the delivery tests: a real ledger in a temporary directory, writes and alerts added
// the way ingest adds them, and a sink that records what it receives and can be told to fail.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/ledger/delivery_ledger.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/ledger/ledger.hpp"
#include "proto/alert_sink.hpp"

namespace gpwatch::testing {

class RecordingSink : public AlertSink {
public:
    explicit RecordingSink(std::string name) : name_(std::move(name)) {}
    const char* name() const override { return name_.c_str(); }
    DeliveryResult deliver(const Alert& alert) override {
        ++calls;
        if (mode == Mode::down) return {false, true, "connection refused"};
        if (mode == Mode::rejects) return {false, false, "550 5.1.1 recipient rejected"};
        received.push_back(alert);
        return {true, true, ""};
    }
    int count_of(std::int64_t alert_id) const {
        int n = 0;
        for (const auto& a : received) n += a.id == alert_id;
        return n;
    }
    enum class Mode { up, down, rejects } mode = Mode::up;
    std::vector<Alert> received;
    int calls = 0;

private:
    std::string name_;
};

class DeliveryFixture : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-delivery-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
        deliveries_ = std::make_unique<DeliveryLedger>(*ledger_);
    }
    void TearDown() override {
        deliveries_.reset();
        ledger_.reset();
        std::filesystem::remove_all(dir_);
    }
    // A write by `ods` with an alert for `reason` at `severity`; returns the alert id.
    std::int64_t add_write_alert(const std::string& ods, Reason reason, Severity severity, std::int64_t now) {
        RecordEvent ev;
        ev.seq = ++seq_;
        ev.kind = EventKind::entry_created;
        ev.entry_id = "e-" + std::to_string(seq_);
        ev.author.ods = ods;
        ev.author.name = "Org " + ods;
        ev.nhs_number = "9434765919";
        ledger_->begin();
        auto w = ledger_->upsert_write(ev, 3600, 0, now).write_id;
        last_write_ = w;
        auto id = ledger_->add_alert(w, {reason, severity, "why"}, "subject " + std::to_string(seq_),
                                     "body " + std::to_string(seq_) + "\nPatient:  NHS number 943 476 5919\n", now);
        ledger_->commit();
        return id;
    }
    std::int64_t add_alert_on_last_write(Reason reason, Severity severity, std::int64_t now) {
        ledger_->begin();
        auto id = ledger_->add_alert(last_write_, {reason, severity, "why"}, "follow-up", "body", now);
        ledger_->commit();
        return id;
    }
    std::string state_of(std::int64_t alert_id) {
        for (const auto& a : LedgerReader(*ledger_).alerts())
            if (a.alert.id == alert_id) return to_string(a.alert.state);
        return "missing";
    }

    std::filesystem::path dir_;
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<DeliveryLedger> deliveries_;
    std::uint64_t seq_ = 0;
    std::int64_t last_write_ = 0;
};

}  // namespace gpwatch::testing
