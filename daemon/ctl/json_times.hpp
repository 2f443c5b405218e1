#pragma once
// How gpwatchctl writes times for scripts: UTC, "YYYY-MM-DDTHH:MM:SSZ", and null (JSON) or ""
// when not set (0 or less). One place, so every command's --json reads the same.

#include <cstdint>
#include <string>

#include <boost/json/value.hpp>

namespace gpwatch::ctl {

std::string iso_utc(std::int64_t unix_seconds);
boost::json::value time_or_null(std::int64_t unix_seconds);
// A time a feed claimed, shown as it is whatever it is: "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z".
std::string iso_utc_as_claimed(std::int64_t unix_seconds);

}  // namespace gpwatch::ctl
