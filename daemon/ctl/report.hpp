#pragma once
// gpwatchctl report: what gpwatchd tells the Local Medical Committee, shown before it leaves.
//
//   report show [--period 2026-W47] [--json|--csv]   the controlled counts of a week exactly as they
//        would be (or were) sent: practice, period, revision, version, settings hash, every cell
//        and total. Default: the most recent closed week. Redacted counts show as "redacted"
//        (JSON: "value": null, "redacted": true).
//   report list [--json]                              every revision recorded in lmc_reports and
//        its delivery state (not the bodies)
//   report public-key                                 the public key (PEM) and key id of
//        reporting.signing_key_file: what the LMC registers with its collector

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "proto/settings.hpp"

namespace gpwatch::ctl {

// `args`: what followed "report". `settings` may be null (a settings file that did not load):
// only `list` works then. `now`: unix seconds (which week is closed). Returns the exit code:
// 0 ok, 1 the ledger or the key could not be read, 2 bad usage.
int run_report(const std::vector<std::string>& args, const std::string& ledger_path, const Settings* settings,
               std::int64_t now, std::ostream& out, std::ostream& err);

}  // namespace gpwatch::ctl
