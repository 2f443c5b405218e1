#pragma once
// Internal alerts: gpwatchd telling the practice about itself (the feed is down, MESH refused our
// credentials, the disk is nearly full, a reload was refused, the outbox is backing up, a sink
// refused an alert for good). Each is one alert (kind "internal") when its condition starts, none
// while it persists, and optionally a "resolved" one when it ends; the ledger remembers which
// conditions are on, so a restart does not raise them again.
//
// raise()/clear() open their own ledger transaction: call them outside a batch.

#include <cstdint>
#include <string>

#include "daemon/ledger/delivery_ledger.hpp"
#include "proto/internal_conditions.hpp"
#include "proto/verdict.hpp"

namespace gpwatch::alerts {

// The conditions (also the words routes and silences use as a reason): proto/internal_conditions.hpp.
namespace condition = ::gpwatch::condition;

class InternalAlerts {
public:
    // `practice` names the practice in messages, e.g. "Riverside Surgery (C84001)"; times are
    // written in `time_zone` (calendar.time_zone).
    InternalAlerts(Ledger& ledger, std::string practice, std::string time_zone = "Europe/London");

    // Starts condition `key` (usually the condition name; "delivery_failed:42:smtp" for one-off
    // events) and raises one alert for it; returns its id, or 0 when the condition was already on.
    std::int64_t raise(const std::string& key, const std::string& condition, Severity severity,
                       const std::string& headline, const std::string& detail, std::int64_t now);
    // A one-off event rather than a condition (a MESH REPORT, a refused LMC report, an alert a
    // sink refused for good): one alert per `key`, ever, however often it is raised (the same
    // report downloaded again after a crash). Nothing stays "on": `gpwatchctl conditions` does
    // not list it. Returns the alert's id, or 0 when `key` was raised before.
    std::int64_t raise_once(const std::string& key, const std::string& condition, Severity severity,
                            const std::string& headline, const std::string& detail, std::int64_t now);
    // Ends condition `key`; with `notify`, raises a "resolved" alert. Returns true if it was on.
    bool clear(const std::string& key, const std::string& condition, bool notify, std::int64_t now);
    bool active(const std::string& key);

    void set_practice(std::string practice, std::string time_zone) {
        practice_ = std::move(practice);
        time_zone_ = std::move(time_zone);
    }

private:
    std::int64_t add(const std::string& key, const std::string& condition, Severity severity,
                     const std::string& headline, const std::string& detail, std::int64_t now, bool stays_on);

    Ledger& ledger_;
    DeliveryLedger delivery_;
    std::string practice_;
    std::string time_zone_;
};

// What the admin should do about a condition, in one or two sentences.
const char* internal_what_to_do(const std::string& condition);

}  // namespace gpwatch::alerts
