#pragma once
// gpwatchctl silence: hold back alerts about one organisation or one reason until a time, with a
// comment saying why. A silenced alert is still recorded in the ledger, marked silenced and
// counted (gpwatchctl alerts, status); only its delivery is skipped. gpwatchd reads the silences
// at each delivery round, so a silence takes effect without a reload.
//
//   silence add (--org CODE | --reason R) [both allowed] --until TIME --comment TEXT [--json]
//   silence list [--json]
//   silence expire ID

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "proto/settings.hpp"

namespace gpwatch::ctl {

// `args`: what followed "silence" on the command line. `ledger_path`: the state directory's
// ledger. Returns the exit code (0 ok, 1 the ledger could not be read or written or no such
// active silence, 2 bad usage), having written errors to `err`.
int run_silence(const std::vector<std::string>& args, const std::string& ledger_path, const Settings* settings,
                std::ostream& out, std::ostream& err);

// "2026-12-01T18:00" (the practice's time zone), "2026-12-01T18:00:00Z", "+2h" / "2h" (from
// `now`); unix seconds, or nullopt with `why`. Exposed for tests.
std::optional<std::int64_t> parse_until(const std::string& text, const std::string& time_zone, std::int64_t now,
                                        std::string& why);

}  // namespace gpwatch::ctl
