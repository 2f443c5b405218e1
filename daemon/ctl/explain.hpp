#pragma once
// gpwatchctl explain: what gpwatchd would make of a message, without gpwatchd. Each file (an
// Update Record message in XML or FHIR JSON, or one clinical-feed event frame as JSON) is read
// as the daemon reads it, judged by the policy under the given settings, and printed as one JSON
// object per line. No ledger is opened, nothing is written, nothing is sent.

#include <iosfwd>
#include <string>
#include <vector>

#include "proto/settings.hpp"

namespace gpwatch::ctl {

// Returns 0 when every file parsed, 1 when any did not (each failure also said on `err`).
int explain_files(const Settings& settings, const std::vector<std::string>& files, std::ostream& out,
                  std::ostream& err);

}  // namespace gpwatch::ctl
