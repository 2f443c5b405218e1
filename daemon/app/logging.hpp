#pragma once
#include <string>

namespace gpwatch {

// True for the level names setup_logging accepts: trace, debug, info, warn, error, critical, off.
bool is_log_level(const std::string& level);

// spdlog to stderr. Under systemd (JOURNAL_STREAM set) each line starts with the syslog priority
// ("<4>" for a warning) so journald stores it and `journalctl -p warning` finds it; journald adds
// its own timestamps. `level` empty: GPWATCH_LOG_LEVEL, or info. Returns false, logging nothing,
// for an unknown level name (a typo must not silently switch logging off).
bool setup_logging(const std::string& program, const std::string& level);

}  // namespace gpwatch
