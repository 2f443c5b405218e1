#pragma once
// A real ledger in a temporary directory, and writes with verdicts made through the Ledger API
// (as gpwatchd's ingest makes them), for the LMC reporting tests.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/ledger/ledger.hpp"

namespace gpwatch::test {

// Patient details the privacy checks search the report bytes for.
inline const std::string kNhsNumber = "9434765919";
inline const std::string kAuthorName = "Leicestershire Partnership NHS Trust";
inline const std::string kUserId = "u-7731";

struct WriteSpec {
    std::string entry_id;
    std::int64_t written_at = 0;
    std::string org_type = "mental-health-trust";
    std::string ods = "RT5";
    Feed feed = Feed::clinical;
    bool nhs_valid = true;
    std::vector<Verdict> verdicts;
};

class ReportingLedgerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-lmc-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
    }
    void TearDown() override {
        ledger_.reset();
        std::filesystem::remove_all(dir_);
    }

    static const date::time_zone* london() { return date::locate_zone("Europe/London"); }

    // Unix seconds of a London wall-clock time.
    static std::int64_t london_time(date::year_month_day day, int hour, int minute, int second = 0) {
        const auto local = date::local_days{day} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                           std::chrono::seconds(second);
        return date::make_zoned(london(), local).get_sys_time().time_since_epoch().count();
    }

    static Verdict verdict(Reason r, std::string rule = {}) { return {r, Severity::high, "a sentence", std::move(rule)}; }

    void add(const WriteSpec& w, std::int64_t received_at = 0) {
        RecordEvent ev;
        ev.feed = w.feed;
        ev.seq = ++seq_;
        ev.kind = EventKind::entry_created;
        ev.practice = "C84001";
        ev.entry_id = w.entry_id;
        ev.nhs_number = kNhsNumber;
        ev.nhs_number_valid = w.nhs_valid;
        ev.author = {w.ods, kAuthorName, w.org_type, "R8000", kUserId};
        ev.resource_type = "Observation";
        ev.codes.push_back({"http://snomed.info/sct", "225368008", "Seen by CMHT", "Observation"});
        ev.time = SysSeconds{std::chrono::seconds{w.written_at}};
        const std::int64_t now = received_at != 0 ? received_at : w.written_at + 60;
        ledger_->begin();
        auto up = ledger_->upsert_write(ev, 3600, 0, now);
        for (const auto& v : w.verdicts) ledger_->add_verdict(up.write_id, v, now);
        ledger_->commit();
    }

    // An unparseable message, quarantined with its verdict (no NHS number: it could not be read).
    void add_quarantined(const std::string& id, std::int64_t at) {
        RecordEvent ev;
        ev.feed = Feed::update_record;
        ev.kind = EventKind::unparseable;
        ev.practice = "C84001";
        ev.entry_id = id;
        ev.time = SysSeconds{std::chrono::seconds{at}};
        ev.raw = "<not xml " + kNhsNumber;
        ev.parse_error = "not XML";
        ledger_->begin();
        auto up = ledger_->quarantine(ev, at + 5);
        ledger_->add_verdict(up.write_id, verdict(Reason::unparseable_message), at + 5);
        ledger_->commit();
    }

    // `n` writes, each with one verdict of `reason`.
    void add_many(int n, const std::string& prefix, std::int64_t at, Reason reason, const std::string& org_type = "acute-trust",
                  Feed feed = Feed::clinical, const std::string& rule = {}) {
        for (int i = 0; i < n; ++i)
            add({prefix + std::to_string(i), at + i, org_type, "RX1", feed, true, {verdict(reason, rule)}});
    }

    std::filesystem::path dir_;
    std::unique_ptr<Ledger> ledger_;
    std::uint64_t seq_ = 0;
};

}  // namespace gpwatch::test
