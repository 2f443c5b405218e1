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
#include "proto/verdict.hpp"

namespace gpwatch::alerts {

// The conditions (also the words routes and silences use as a reason).
namespace condition {
inline constexpr const char* feed_disconnected = "feed_disconnected";
inline constexpr const char* mesh_credentials_refused = "mesh_credentials_refused";
inline constexpr const char* disk_nearly_full = "disk_nearly_full";
inline constexpr const char* reload_refused = "reload_refused";
inline constexpr const char* outbox_backlog = "outbox_backlog";
inline constexpr const char* delivery_failed = "delivery_failed";
// MESH put a REPORT in the mailbox: a message failed to be delivered (one alert per report).
inline constexpr const char* mesh_delivery_report = "mesh_delivery_report";
// The LMC's collector refused an incident report for good (one alert per period and revision).
inline constexpr const char* lmc_upload_refused = "lmc_upload_refused";
inline constexpr const char* lmc_upload_delayed = "lmc_upload_delayed";
}  // namespace condition

class InternalAlerts {
public:
    // `practice` names the practice in messages, e.g. "Riverside Surgery (C84001)".
    InternalAlerts(Ledger& ledger, std::string practice);

    // Starts condition `key` (usually the condition name; "delivery_failed:42:smtp" for one-off
    // events) and raises one alert for it; returns its id, or 0 when the condition was already on.
    std::int64_t raise(const std::string& key, const std::string& condition, Severity severity,
                       const std::string& headline, const std::string& detail, std::int64_t now);
    // Ends condition `key`; with `notify`, raises a "resolved" alert. Returns true if it was on.
    bool clear(const std::string& key, const std::string& condition, bool notify, std::int64_t now);
    bool active(const std::string& key);

    void set_practice(std::string practice) { practice_ = std::move(practice); }

private:
    Ledger& ledger_;
    DeliveryLedger delivery_;
    std::string practice_;
};

// What the admin should do about a condition, in one or two sentences.
const char* internal_what_to_do(const std::string& condition);

}  // namespace gpwatch::alerts
