#pragma once
// gpwatchctl status and conditions: the truth about gpwatchd from three sources.
//   - gpwatchd.lock (held while gpwatchd runs): running or not
//   - gpwatchd.status (rewritten every few seconds): its state, each feed's, MESH's, each sink's;
//     its age tells a running daemon from one that has stopped turning
//   - the ledger: what is durable (cursors, writes, alerts, deliveries, silences, conditions)
// Text for people; with --json one object carrying every count the text shows. The JSON field
// names are a public interface: add fields, never rename one.

#include <cstdint>
#include <iosfwd>
#include <string>

#include "daemon/ledger/ledger.hpp"
#include "proto/settings.hpp"

namespace gpwatch::ctl {

// `settings` may be null (the settings file did not load; --state-dir was given). `now` unix seconds.
void print_status(std::ostream& out, Ledger& ledger, const Settings* settings, const std::string& state_dir,
                  bool json, std::int64_t now);

// Internal conditions that are on (feed disconnected, disk nearly full...), one a line or one JSON
// object a line.
void print_conditions(std::ostream& out, Ledger& ledger, const Settings* settings, const std::string& state_dir,
                      bool json, std::int64_t now);

}  // namespace gpwatch::ctl
