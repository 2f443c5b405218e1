#include "daemon/alerts/local_time.hpp"

#include <chrono>

#include <date/tz.h>

namespace gpwatch::alerts {

std::string local_time_words(const std::string& time_zone, std::int64_t unix_seconds, bool with_zone) {
    if (unix_seconds <= 0) return "unknown";
    const date::sys_seconds at{std::chrono::seconds{unix_seconds}};
    try {
        const auto t = date::zoned_seconds(date::locate_zone(time_zone), at);
        return date::format(with_zone ? "%a %d %b %Y %H:%M %Z" : "%a %d %b %Y %H:%M", t);
    } catch (const std::exception&) {
        return date::format("%a %d %b %Y %H:%M UTC", at);
    }
}

std::string claimed_time_words(std::int64_t unix_seconds) {
    return date::format("%Y-%m-%d %H:%M UTC", date::sys_seconds{std::chrono::seconds{unix_seconds}});
}

}  // namespace gpwatch::alerts
