#pragma once
// The `reporting:` section of the settings (weekly incident counts for the Local Medical
// Committee), mapped onto proto/reporting_settings.hpp with file:line:column errors like the
// rest of the loader. Without the section, reporting is off and nothing is required.
// With it, signing_key_file is required; upload: is optional (absent: prepared, never sent), but
// when written it needs url (https), client_cert_file and client_key_file.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/settings/settings_loader.hpp"
#include "proto/reporting_settings.hpp"

namespace gpwatch {

// `node` is the value of `reporting:` (undefined or null when the file has none). Relative paths
// resolve against base_dir.
void load_reporting_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                            ReportingSettings& out, std::vector<SettingsError>& errors,
                            std::vector<SettingsError>& warnings);

}  // namespace gpwatch
