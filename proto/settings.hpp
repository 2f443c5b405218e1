#pragma once
// The controller settings schema: the practice's intent, written once, checked against every write.
// daemon/settings maps YAML onto these structs and validates them; nothing here reads files.

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

namespace gpwatch {

// Working hours of one weekday, as minutes since local midnight; [start, end).
struct DayHours {
    std::chrono::minutes start{0};
    std::chrono::minutes end{0};
};

struct WorkingHours {
    // Index 0 = Monday ... 6 = Sunday (ISO order). Empty = closed all day.
    std::array<std::optional<DayHours>, 7> days;
};

// Default: Monday to Friday 08:00-18:30, weekends closed.
WorkingHours default_working_hours();

struct Calendar {
    std::string time_zone = "Europe/London";
    WorkingHours hours = default_working_hours();
    std::string bank_holidays_file;          // as written in the settings (resolved path)
    std::vector<date::sys_days> closed_days; // bank holidays (from the file), sorted, unique
};

struct AllowedOrganisation {
    std::string ods;
    std::string name;
    std::chrono::seconds review_within{0};  // working time
};

struct ProhibitedOrganisation {
    std::string ods;
    std::string name;
    std::string why;  // shown in the alert, e.g. "write access withdrawn 2026-03-01"
};

struct ClinicalFeedSettings {
    bool enabled = true;
    std::string url;         // wss://host:port/feed
    std::string token;       // bearer token (from token or token_file)
    std::string ca_file;     // CA that signed the feed's server certificate
    std::size_t max_frame_bytes = 1024 * 1024;
    std::chrono::milliseconds reconnect_initial{500};
    std::chrono::milliseconds reconnect_max{30000};
};

// For now the duty inbox is a Maildir: one RFC 5322 file per alert (SMTP comes in its own issue).
struct DutyInboxSettings {
    std::string maildir;     // directory; tmp/ new/ cur/ are created inside
    std::string to = "duty-gp@practice.invalid";
    std::string from = "gpwatch@practice.invalid";
};

struct LedgerSettings {
    std::size_t batch_max_events = 512;                 // group commit: events per transaction
    std::chrono::milliseconds batch_max_delay{20};      // group commit: longest wait before commit
};

struct Settings {
    std::string source_file;  // the YAML file these came from (for messages)

    std::string practice_ods;
    std::string practice_name;
    std::string state_dir;    // holds ledger.sqlite and the pseudonym key

    ClinicalFeedSettings clinical_feed;
    std::vector<AllowedOrganisation> allowed;
    std::vector<ProhibitedOrganisation> prohibited;
    std::chrono::seconds default_review_within{std::chrono::hours(21)};  // 2 working days

    Calendar calendar;
    DutyInboxSettings duty_inbox;
    LedgerSettings ledger;

    const AllowedOrganisation* find_allowed(const std::string& ods) const;
    const ProhibitedOrganisation* find_prohibited(const std::string& ods) const;
};

}  // namespace gpwatch
