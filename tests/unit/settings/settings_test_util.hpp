#pragma once
// Shared helpers for the settings tests.
#include <string>

#include <gtest/gtest.h>

#include "daemon/settings/settings_loader.hpp"

namespace gpwatch::test {

inline const std::string kDataDir = GPWATCH_TEST_DATA_DIR "/settings";
inline const std::string kSourceDir = GPWATCH_SOURCE_DIR;

// The smallest valid settings; tests append to it or replace lines in it.
inline std::string minimal_yaml() {
    return "practice:\n"                                  // 1
           "  ods: C84001\n"                              // 2
           "  name: Test Practice\n"                      // 3
           "state_dir: /var/lib/gpwatch\n"                // 4
           "clinical_feed:\n"                             // 5
           "  url: wss://127.0.0.1:8443/feed\n"           // 6
           "  token: t0ken\n"                             // 7
           "  ca_file: ca.pem\n";                         // 8
}

inline SettingsLoad load(const std::string& yaml) { return load_settings_text(yaml, "test.yaml", kDataDir); }

inline std::string all(const std::vector<SettingsError>& v) {
    std::string s;
    for (const auto& e : v) s += e.to_string() + "\n";
    return s;
}

// The one error about `setting`; fails the test if there is none.
inline SettingsError error_for(const SettingsLoad& r, const std::string& setting) {
    for (const auto& e : r.errors)
        if (e.setting == setting) return e;
    ADD_FAILURE() << "no error for " << setting << "; errors:\n" << all(r.errors);
    return {};
}

inline bool has_warning(const SettingsLoad& r, const std::string& setting) {
    for (const auto& w : r.warnings)
        if (w.setting == setting) return true;
    return false;
}

}  // namespace gpwatch::test
