#include "daemon/ctl/json_times.hpp"

#include <chrono>

#include <date/date.h>

namespace gpwatch::ctl {

std::string iso_utc(std::int64_t t) {
    if (t <= 0) return "";
    return date::format("%Y-%m-%dT%H:%M:%SZ", date::sys_seconds{std::chrono::seconds{t}});
}

std::string iso_utc_as_claimed(std::int64_t t) {
    return date::format("%Y-%m-%dT%H:%M:%SZ", date::sys_seconds{std::chrono::seconds{t}});
}

boost::json::value time_or_null(std::int64_t t) {
    if (t <= 0) return nullptr;
    return boost::json::value(iso_utc(t));
}

}  // namespace gpwatch::ctl
