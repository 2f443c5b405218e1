#pragma once
// What the RecordIngest tests share: a test practice's settings (RT5 allowed with 30 minutes,
// RW1 prohibited, FQW30 sending Update Records; every hour a working hour), feed events as the
// clinical feed gives them, and a fixture with a real SQLite ledger in a directory of its own.

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "daemon/ingest/record_ingest.hpp"

namespace gpwatch::testing {

using namespace std::chrono_literals;

inline Settings settings() {
    Settings s;
    s.practice_ods = "C84001";
    s.practice_name = "Example Medical Practice";
    s.default_review_within = 1h;
    for (auto& d : s.calendar.hours.days) d = DayHours{0min, 24h};  // every hour counts
    s.allowed.push_back({"RT5", "Leicestershire Partnership NHS Trust", 30min});
    s.prohibited.push_back({"RW1", "Midlands Community Care NHS Trust", ""});
    s.allowed.push_back({"FQW30", "Example Pharmacy", 1h});  // sends Update Records over MESH
    return s;
}

// An entry.created by `ods`, stamped 1,800,000,000 (2027-01-15T08:00:00Z).
inline RecordEvent entry(std::uint64_t seq, const std::string& id, const std::string& ods) {
    RecordEvent ev;
    ev.seq = seq;
    ev.kind = EventKind::entry_created;
    ev.practice = "C84001";
    ev.entry_id = id;
    ev.nhs_number = "9434765919";
    ev.nhs_number_valid = true;
    ev.author.ods = ods;
    ev.author.name = ods + " name";
    ev.resource_type = "Observation";
    ev.time = SysSeconds{std::chrono::seconds{1'800'000'000}};
    return ev;
}

// workflow.filed of entry `id`, 100 s after entry() is stamped.
inline RecordEvent filed(std::uint64_t seq, const std::string& id) {
    RecordEvent ev;
    ev.seq = seq;
    ev.kind = EventKind::workflow_filed;
    ev.item_kind = "entry";
    ev.item_id = id;
    ev.reviewer.name = "Example GP";
    ev.time = SysSeconds{std::chrono::seconds{1'800'000'100}};
    return ev;
}

class RecordIngestTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-ingest-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
        ingest_ = std::make_unique<RecordIngest>(*ledger_, pseudonymiser_);
    }
    void TearDown() override {
        ingest_.reset();
        ledger_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
    ActiveSettings active_{settings()};
    Pseudonymiser pseudonymiser_{"0123456789abcdef0123456789abcdef"};
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<RecordIngest> ingest_;
};

}  // namespace gpwatch::testing
