#pragma once
// Europe/London wall time as RFC 3339 with its offset (+00:00 in winter, +01:00 in summer time).
// The UK rule since 1996: summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC on
// the last Sunday of October. The simulator needs nothing older.

#include <chrono>
#include <string>

namespace gpwatch::sim {

using SysSeconds = std::chrono::sys_time<std::chrono::seconds>;

std::chrono::seconds london_utc_offset(SysSeconds utc);

// e.g. "2026-05-11T10:42:07+01:00"
std::string london_rfc3339(SysSeconds utc);

SysSeconds now_seconds();

}  // namespace gpwatch::sim
