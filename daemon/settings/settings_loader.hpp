#pragma once
// Loads the controller settings (YAML, shaped like config/gpwatchd.yaml) onto the schema in
// proto/settings.hpp and validates them. Nothing half-loaded escapes: a load either yields
// Settings and no errors, or errors (all of them, not just the first) and no Settings.
//
// Rules worth knowing (docs/configuration.md is the reference for admins):
// - Relative paths (clinical_feed.ca_file, clinical_feed.token_file, calendar.bank_holidays_file,
//   state_dir, duty_inbox.maildir) resolve against base_dir, the settings file's directory.
// - duty_inbox.maildir defaults to <state_dir>/duty-inbox.
// - calendar.working_hours lists days to change; a day not listed keeps its default
//   (Monday to Friday 08:00-18:30, weekends closed).
// - An allowed organisation without review_within gets review.default_within.
// - With clinical_feed.enabled: false, the feed's url, ca_file and token are not required
//   (but are still checked when written).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/settings.hpp"
#include "settings_reader/duration.hpp"
#include "settings_reader/problem.hpp"

namespace gpwatch {

// A problem in the settings: "file:line:column: setting: message" (settings_reader/problem.hpp).
using SettingsError = SettingsProblem;

struct SettingsLoad {
    std::optional<Settings> settings;     // set if and only if errors is empty
    std::vector<SettingsError> errors;
    std::vector<SettingsError> warnings;  // legal but probably not meant; never block a load
};

// Reads and validates a settings file. Never throws.
SettingsLoad load_settings_file(const std::string& path);

// The same for YAML text already in memory; relative paths resolve against base_dir
// (left relative if base_dir is empty). Never throws.
SettingsLoad load_settings_text(const std::string& yaml, const std::string& file_name_for_messages,
                                const std::string& base_dir);

// "sha256:<hex>" of settings file bytes: how LMC reports name the settings in force
// (Settings::source_hash holds it for the bytes a load read).
std::string settings_hash(std::string_view bytes);

}  // namespace gpwatch
