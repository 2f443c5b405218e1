#pragma once
// The `mesh:` section of the settings (the practice's MESH mailbox), mapped onto
// proto/mesh_settings.hpp with file:line:column errors like the rest of the loader.
//
// Secrets: `password` / `shared_secret` written inline, or `password_file` / `shared_secret_file`
// naming a file that holds them. A file reference may be "credential:NAME" (the systemd
// credential $CREDENTIALS_DIRECTORY/NAME, from LoadCredential= in the unit) or a path, in which
// "${CREDENTIALS_DIRECTORY}" is replaced by that variable. Files are read at load time.
// Without a `mesh:` section, or with `enabled: false`, nothing is required.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/settings/settings_loader.hpp"
#include "proto/mesh_settings.hpp"

namespace gpwatch {

// `node` is the value of `mesh:` (undefined or null when the file has none). Relative paths
// resolve against base_dir.
void load_mesh_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                       MeshSettings& out, std::vector<SettingsError>& errors,
                       std::vector<SettingsError>& warnings);

}  // namespace gpwatch
