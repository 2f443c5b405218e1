#pragma once
// How gpwatchctl writes times for scripts: UTC, "YYYY-MM-DDTHH:MM:SSZ", and null (JSON) or ""
// when not set (0 or less). One place, so every command's --json reads the same.

#include <cstdint>
#include <string>

#include <boost/json/value.hpp>

namespace gpwatch::ctl {

std::string iso_utc(std::int64_t unix_seconds);
boost::json::value time_or_null(std::int64_t unix_seconds);

}  // namespace gpwatch::ctl
