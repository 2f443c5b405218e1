#pragma once
// Warnings about content rules that are legal but can never match (gpwatchd --check-config shows
// them): a rule that only names the practice itself, an empty code set, a feed and a route that
// exclude each other, Update Record conditions no pharmacy message meets; and code sets the
// patient-flag checks need but the code set directory lacks.

#include <vector>

#include "daemon/settings/settings_loader.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

void warn_rules_that_never_match(const Settings& st, std::vector<SettingsError>& warnings);

}  // namespace gpwatch
