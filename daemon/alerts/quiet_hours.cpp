#include "daemon/alerts/quiet_hours.hpp"

namespace gpwatch::alerts {

std::int64_t release_time(const Alert& alert, bool quiet_hours, const WorkingCalendar& calendar,
                          std::int64_t now) {
    if (!quiet_hours || alert.severity == Severity::urgent) return now;
    const SysSeconds t{std::chrono::seconds{now}};
    if (calendar.is_working(t)) return now;
    const auto next = calendar.next_working_start(t);
    if (!next) return now;  // no working hours at all: holding would mean holding for ever
    return std::max(now, static_cast<std::int64_t>(next->time_since_epoch().count()));
}

}  // namespace gpwatch::alerts
