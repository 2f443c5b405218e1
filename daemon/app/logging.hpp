#pragma once
#include <string>

namespace gpwatch {

// spdlog to stderr: journald adds its own timestamps under systemd, so they are left out there.
// `level` is one of trace, debug, info, warn, error, critical, off; empty: GPWATCH_LOG_LEVEL or info.
void setup_logging(const std::string& program, const std::string& level);

}  // namespace gpwatch
