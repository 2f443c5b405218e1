#pragma once
// The loader of gpwatchd's settings, shared by the files that read its sections:
// settings_loader.cpp (practice, clinical feed, calendar, organisations, inboxes, ledger) and
// controller_sections.cpp (feeds, organisation types, code sets, words, rules, processor,
// escalation, closures). delivery:, mesh: and reporting: read through a MapReader of their own
// (delivery_section.hpp, mesh_section.hpp, reporting_section.hpp). Internal to daemon/settings.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/settings/settings_loader.hpp"
#include "settings_reader/map_reader.hpp"

namespace gpwatch::settings_detail {

using settings_reader::Entry;
using settings_reader::Keys;
using settings_reader::join;
using settings_reader::kind_of;
using settings_reader::words;

// The shape of the file. Every map lists the keys it accepts; anything else is reported.
// The shape of the file. Every map lists the keys it accepts; anything else is reported.
inline const Keys kRootKeys{"practice", "state_dir", "clinical_feed", "calendar", "review",
                     "organisations", "duty_inbox", "admin_inbox", "ledger", "delivery", "feeds", "organisation_types",
                     "codesets_dir", "words_dir", "rules", "processor", "escalation", "mesh", "reporting"};
inline const Keys kPracticeKeys{"ods", "name"};
inline const Keys kFeedKeys{"enabled", "url", "token", "token_file", "ca_file", "max_frame_bytes",
                     "reconnect_initial", "reconnect_max"};
inline const Keys kCalendarKeys{"time_zone", "working_hours", "bank_holidays_file", "closures"};
inline const Keys kClosureKeys{"date", "hours", "why"};
inline const Keys kWeekdays{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
inline const Keys kReviewKeys{"default_within"};
inline const Keys kOrganisationsKeys{"allowed", "review_only", "prohibited"};
inline const Keys kAllowedKeys{"ods", "name", "review_within"};
inline const Keys kProhibitedKeys{"ods", "name", "why", "review_within"};
inline const Keys kFeedsKeys{"shared_record", "update_record"};
inline const Keys kFeedSwitchKeys{"enabled", "review_within"};
inline const Keys kOrgTypeKeys{"status", "review_within"};
// Organisation types the clinical feed and Update Record name (author.org_type).
inline const Keys kOrganisationTypes{"community-pharmacy", "community-trust", "mental-health-trust", "acute-trust",
                              "out-of-hours", "111", "hospice", "pcn-hub", "gp-practice", "social-care",
                              "ambulance-trust", "other"};
inline const Keys kRuleKeys{"name", "title", "match", "severity", "review_within", "category"};
inline const Keys kMatchKeys{"codeset", "feed", "organisation", "organisation_type", "resource_type", "route"};
inline const Keys kProcessorKeys{"update_record", "share_in_allowed", "share_in_prohibited", "active_agreements"};
inline const Keys kEscalationKeys{"enabled", "after", "severity"};
inline const Keys kDutyInboxKeys{"maildir", "to", "from"};
inline const Keys kLedgerKeys{"batch_max_events", "batch_max_delay"};

// Where a key that is unknown in one place belongs instead (for "it belongs under ..." hints).
inline const std::vector<std::pair<std::string_view, const Keys*>> kSectionsByPath{
    {"", &kRootKeys},           {"practice", &kPracticeKeys},
    {"clinical_feed", &kFeedKeys}, {"calendar", &kCalendarKeys},
    {"review", &kReviewKeys},   {"organisations", &kOrganisationsKeys},
    {"duty_inbox", &kDutyInboxKeys}, {"admin_inbox", &kDutyInboxKeys}, {"ledger", &kLedgerKeys},
    {"feeds", &kFeedsKeys}, {"processor", &kProcessorKeys}, {"escalation", &kEscalationKeys},
};

class Loader {
public:
    Loader(std::string file, std::string base_dir, SettingsLoad& out)
        : file_(std::move(file)), base_dir_(std::move(base_dir)), out_(out),
          reader_(file_, base_dir_, out.errors, out.warnings) {}

    void load(const YAML::Node& root);

private:
    struct Section {
        std::string path;
        YAML::Mark mark;       // where missing settings are reported
        bool present = false;  // written in the file, with something under it
        bool usable = false;   // ...and a map
        bool quiet = false;    // its problem is already reported: say nothing about what it lacks
        std::vector<std::string> typo_for;  // keys that an unknown key here was probably meant to be
        settings_reader::Entries entries;

        const Entry* find(std::string_view key) const {
            for (const auto& [k, e] : entries)
                if (k == key) return &e;
            return nullptr;
        }
    };
    struct Value {
        std::string text;
        YAML::Mark mark;
        std::string path;
    };

    void error(const YAML::Mark& m, const std::string& setting, const std::string& msg) {
        reader_.error(m, setting, msg);
    }
    void warn(const YAML::Mark& m, const std::string& setting, const std::string& msg) {
        reader_.warn(m, setting, msg);
    }
    static YAML::Mark value_mark(const Entry& e) {
        return e.value.IsNull() || e.value.Mark().line < 0 ? e.key.Mark() : e.value.Mark();
    }
    std::string resolve(const std::string& p) const { return reader_.resolve(p); }

    Section section_of(const YAML::Node& node, const YAML::Mark& where, std::string path, const Keys& known,
                       std::string_view noun = "setting");
    Section child_section(const Section& parent, std::string_view key, const Keys& known,
                          std::string_view noun = "setting");
    void report_missing(const Section& s, std::string_view key, std::string_view extra = {});

    // A single value (text). Missing or empty ("key:" with nothing after it) counts as not written.
    std::optional<Value> scalar(const Section& s, std::string_view key, bool required);
    // scalar(), and not blank.
    std::optional<Value> text(const Section& s, std::string_view key, bool required);
    // A path; relative ones resolve against the settings file's directory.
    std::optional<Value> path_setting(const Section& s, std::string_view key, bool required);
    std::optional<bool> flag(const Section& s, std::string_view key);
    std::optional<std::pair<std::uint64_t, Value>> whole_number(const Section& s, std::string_view key);
    // A duration longer than zero.
    std::optional<std::pair<std::chrono::milliseconds, Value>> duration(const Section& s, std::string_view key);
    // A duration in whole seconds (review deadlines).
    std::optional<std::chrono::seconds> seconds_duration(const Section& s, std::string_view key);
    // A setting that takes one word or a list of words ("feed: clinical" or "feed: [clinical, ...]").
    std::optional<std::vector<Value>> word_list(const Section& s, std::string_view key);
    std::optional<Severity> severity_setting(const Section& s, std::string_view key);
    std::optional<OrgStatus> status_setting(const Section& s, std::string_view key);

    // settings_loader.cpp
    void load_practice(const Section& top, Settings& st);
    void load_feed(const Section& top, Settings& st);
    void load_calendar(const Section& top, Settings& st);
    void load_organisations(const Section& top, Settings& st);
    // duty_inbox: or admin_inbox: (`folder` is its default directory under state_dir).
    void load_inbox(const Section& top, const char* name, const char* folder, const Settings& st,
                    DutyInboxSettings& out);
    void load_ledger(const Section& top, Settings& st);
    // controller_sections.cpp
    void load_closures(const Section& cal, Settings& st);
    void load_feeds(const Section& top, Settings& st);
    void load_organisation_types(const Section& top, Settings& st);
    void load_codesets(const Section& top, Settings& st);
    void load_words(const Section& top, Settings& st);
    void load_rules(const Section& top, Settings& st);
    void load_processor(const Section& top, Settings& st);
    void load_escalation(const Section& top, Settings& st);

    std::string file_;
    std::string base_dir_;
    SettingsLoad& out_;
    settings_reader::MapReader reader_;
};

}  // namespace gpwatch::settings_detail
