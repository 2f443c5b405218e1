#pragma once
// The `delivery:` section of the settings: sinks, routes, digests, quiet hours and the thresholds
// of internal alerts, mapped onto proto/delivery_settings.hpp with file:line errors like the rest
// of the loader. Kept apart from settings_loader.cpp because it is a world of its own.
//
// Without a `delivery:` section, one Maildir sink named "duty_inbox" is made from duty_inbox:
// and every alert goes there at once: old settings files keep working unchanged.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/settings/settings_loader.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

// `node` is the value of `delivery:` (undefined or null when the file has none). Needs
// nothing else loaded first (maildir sinks fill empty options from duty_inbox: when built). Relative paths resolve against base_dir.
void load_delivery_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                           Settings& st, std::vector<SettingsError>& errors);

}  // namespace gpwatch
