#pragma once
// The aggregate table as CSV (RFC 4180, CRLF line ends), one row per (week, reason) plus one
// "all reasons" row per week:
//   period,reason,value,redacted_parts,practices
// `value` is the controlled aggregate of the shown parts, the word "redacted" when nothing
// but redacted figures made it up, or empty when no practice reported the week at all (no data;
// 0 means practices reported and counted none); `redacted_parts` counts the practices' figures
// that were 1 to 7 (never added in); `practices` counts the practices whose report named the
// reason (on the "all reasons" row: every practice that reported the week, so 0 = no data).

#include <string>

#include "collector/aggregates.hpp"

namespace gpwatch::collector {

std::string csv_export(const CountsTable& table);

}  // namespace gpwatch::collector
