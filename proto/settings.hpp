#pragma once
// The controller settings schema: the practice's intent, written once, checked against every write.
// daemon/settings maps YAML onto these structs and validates them; nothing here reads files.

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

#include "proto/delivery_settings.hpp"
#include "proto/mesh_settings.hpp"
#include "proto/reporting_settings.hpp"
#include "proto/verdict.hpp"

namespace gpwatch {

// Working hours of one weekday, as minutes since local midnight; [start, end).
struct DayHours {
    std::chrono::minutes start{0};
    std::chrono::minutes end{0};
    bool operator==(const DayHours&) const = default;
};

struct WorkingHours {
    // Index 0 = Monday ... 6 = Sunday (ISO order). Empty = closed all day.
    std::array<std::optional<DayHours>, 7> days;
    bool operator==(const WorkingHours&) const = default;
};

// Default: Monday to Friday 08:00-18:30, weekends closed.
WorkingHours default_working_hours();

// A closure on one date beyond the bank holidays: a whole day, or part of it (a training
// afternoon). Local wall-clock times; [start, end).
struct Closure {
    date::sys_days day;                       // the local calendar date
    std::chrono::minutes start{0};
    std::chrono::minutes end{24 * 60};
    std::string why;                          // e.g. "protected learning time"
    bool operator==(const Closure&) const = default;
};

struct Calendar {
    std::string time_zone = "Europe/London";
    WorkingHours hours = default_working_hours();
    std::string bank_holidays_file;          // as written in the settings (resolved path)
    std::vector<date::sys_days> closed_days; // bank holidays (from the file), sorted, unique
    std::vector<Closure> closures;           // calendar.closures: extra closed days and afternoons
    bool operator==(const Calendar&) const = default;
};

// What the practice decided about a writer: it may write (reviewed by its deadline), it may
// write but every write needs a GP's eyes (review_only), or it must not write at all.
enum class OrgStatus { allowed, review_only, prohibited };

struct AllowedOrganisation {
    std::string ods;
    std::string name;
    std::chrono::seconds review_within{0};  // working time
    OrgStatus status = OrgStatus::allowed;  // allowed or review_only (organisations.review_only)
    bool operator==(const AllowedOrganisation&) const = default;
};

struct ProhibitedOrganisation {
    std::string ods;
    std::string name;
    std::string why;  // shown in the alert, e.g. "write access withdrawn 2026-03-01"
    std::chrono::seconds review_within{0};  // its writes are still tracked; 0: the default
    bool operator==(const ProhibitedOrganisation&) const = default;
};

// Defaults for a kind of organisation (organisation_types.<type>), used for writers whose ODS
// code is not listed under organisations:.
struct OrganisationTypeDefault {
    std::string type;  // e.g. community-pharmacy, mental-health-trust, 111, pcn-hub
    OrgStatus status = OrgStatus::allowed;
    std::chrono::seconds review_within{0};
    bool operator==(const OrganisationTypeDefault&) const = default;
};

// A per-feed switch (feeds.shared_record, feeds.update_record). A write arriving on a feed that
// is off means the processor did not honour the controller's switch.
struct FeedSwitch {
    bool enabled = true;
    std::chrono::seconds review_within{0};  // 0: by organisation / default
    bool operator==(const FeedSwitch&) const = default;
};

// A named set of codes (config/codesets/<name>.txt), one code a line.
struct CodeSet {
    std::string name;
    std::string file;
    std::vector<std::string> codes;  // sorted, unique
    bool operator==(const CodeSet&) const = default;
};

// A content rule. Every condition written must hold (an empty list is "any"); within one list,
// any entry may match. It sets a severity, may shorten the deadline, and is named in alerts.
struct ContentRule {
    std::string name;
    // What alerts call it in their subject ("Safeguarding flag"). Default: the name in words
    // ("safeguarding" -> "Safeguarding") followed by the kind of record that matched ("flag").
    std::string title;
    std::vector<std::string> codesets;           // any code of the write in any of these sets
    std::vector<std::string> feeds;              // clinical | update_record
    std::vector<std::string> organisations;      // ODS codes
    std::vector<std::string> organisation_types;
    std::vector<std::string> resource_types;     // FHIR resource types, e.g. Flag
    std::vector<std::string> routes;             // shared-record, update-record, ...
    Severity severity = Severity::review;
    std::chrono::seconds review_within{0};       // 0: does not change the deadline
    // What LMC reports count its incidents as ("content_rule:<category>"): [a-z0-9_]{1,40}.
    // Default: its first code set's name ('-' read as '_'), else "uncategorised".
    std::string category;
    std::string file;                            // where it was written (for messages)
    int line = 0;
    bool operator==(const ContentRule&) const = default;
};

// What the clinical system's own configuration must be (processor:). A sharing.changed event
// that departs from it is processor drift.
struct ProcessorExpectation {
    bool update_record = true;                     // default: feeds.update_record.enabled
    std::vector<std::string> share_in_allowed;     // default: organisations allowed + review_only
    std::vector<std::string> share_in_prohibited;  // default: organisations.prohibited
    std::vector<std::string> active_agreements;    // agreements that must be active; others inactive
    bool operator==(const ProcessorExpectation&) const = default;
};

// Escalation: a write still unreviewed `after` its deadline (working time) raises an
// unreviewed_escalated alert once, at `severity`.
struct EscalationSettings {
    bool enabled = false;
    std::chrono::seconds after{std::chrono::hours(4)};
    Severity severity = Severity::urgent;
    bool operator==(const EscalationSettings&) const = default;
};

struct ClinicalFeedSettings {
    bool enabled = true;
    std::string url;         // wss://host:port/feed
    std::string token;       // bearer token (from token or token_file)
    std::string ca_file;     // CA that signed the feed's server certificate
    std::size_t max_frame_bytes = 1024 * 1024;
    std::chrono::milliseconds reconnect_initial{500};
    std::chrono::milliseconds reconnect_max{30000};
    bool operator==(const ClinicalFeedSettings&) const = default;
};

// A Maildir inbox (one RFC 5322 file per alert) and the addresses its messages carry: the duty
// inbox (duty_inbox:, <state_dir>/duty-inbox) for alerts a GP acts on, and the admin inbox
// (admin_inbox:, <state_dir>/admin-inbox) for internal alerts about gpwatchd itself. Maildir
// sinks write to one of them unless they name a folder of their own.
struct DutyInboxSettings {
    std::string maildir;     // directory; tmp/ new/ cur/ are created inside
    std::string to = "duty-gp@practice.invalid";
    std::string from = "gpwatch@practice.invalid";
    bool operator==(const DutyInboxSettings&) const = default;
};

// Word tables (words_dir: record-types.txt, job-roles.txt): FHIR resource types and SDS job role
// codes in the plain words alerts use ("DocumentReference" -> "document", "R8001" -> "nurse").
struct WordTables {
    std::string dir;  // where they were read from; empty: none found (codes are shown as they are)
    std::map<std::string, std::string> record_types;
    std::map<std::string, std::string> job_roles;
    // The words for a resource type: the table's, else the type's own words in lower case
    // ("QuestionnaireResponse" -> "questionnaire response"; "" stays "").
    std::string record_type(const std::string& resource_type) const;
    // The words for a job role code: the table's, else "role <code>" ("" stays "").
    std::string job_role(const std::string& code) const;
    bool operator==(const WordTables&) const = default;
};

struct LedgerSettings {
    std::size_t batch_max_events = 512;                 // group commit: events per transaction
    std::chrono::milliseconds batch_max_delay{20};      // group commit: longest wait before commit
    bool operator==(const LedgerSettings&) const = default;
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
    std::vector<OrganisationTypeDefault> organisation_types;
    FeedSwitch shared_record;  // feeds.shared_record
    FeedSwitch update_record;  // feeds.update_record
    std::string codesets_dir;  // resolved path of the code set files
    std::vector<CodeSet> codesets;
    std::vector<ContentRule> rules;
    WordTables words;          // words_dir: plain words for record types and job roles
    ProcessorExpectation processor;
    EscalationSettings escalation;

    Calendar calendar;
    DutyInboxSettings duty_inbox;
    DutyInboxSettings admin_inbox{"", "it-admin@practice.invalid", "gpwatch@practice.invalid"};
    LedgerSettings ledger;
    DeliverySettings delivery;  // delivery: routing, sinks, digests, internal alerts
    MeshSettings mesh;          // mesh: the MESH mailbox (proto/mesh_settings.hpp)
    ReportingSettings reporting;  // reporting: LMC incident counts (proto/reporting_settings.hpp)
    // "sha256:<hex>" of the settings file's bytes as loaded: names the settings in force in LMC
    // reports. Set by the loader, the one place that has the bytes in hand.
    std::string source_hash;

    const AllowedOrganisation* find_allowed(const std::string& ods) const;
    const ProhibitedOrganisation* find_prohibited(const std::string& ods) const;
    const OrganisationTypeDefault* find_type(const std::string& type) const;
    const CodeSet* find_codeset(const std::string& name) const;
    bool operator==(const Settings&) const = default;
};

}  // namespace gpwatch
