#pragma once
// What gpwatchd would refuse at start, or fail on at its first connection or delivery, in settings
// the loader accepted: credential files that cannot be read, a signing key that is not one,
// certificates and CA files that do not parse. `gpwatchd --check-config` runs these checks, so
// "settings are valid" means "it will start". They call the code start-up and the clients run
// (the sink and uploader constructors, the TLS context maker, the signing key loader, the secret
// file reader); nothing here opens the state directory or the ledger, or creates anything.

#include <vector>

#include "daemon/settings/settings_loader.hpp"

namespace gpwatch {

// Each problem names the setting and, in its message, the file; file is the settings file.
std::vector<SettingsError> start_problems(const Settings& settings);

}  // namespace gpwatch
