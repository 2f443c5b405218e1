#include "collector/week_range.hpp"

#include "reporting/iso_week.hpp"

namespace gpwatch::collector {

WeekRange week_range(const std::string& from, const std::string& to, std::int64_t now, const date::time_zone* zone) {
    WeekRange out;
    const auto last_ended = reporting::previous_week(reporting::iso_week_containing(now, zone), zone);
    std::optional<reporting::IsoWeek> last = last_ended;
    if (!to.empty()) {
        last = reporting::parse_iso_week(to, zone);
        if (!last) {
            out.error = "'to' should be an ISO week such as 2026-W48, not '" + to + "'";
            return out;
        }
    }
    std::optional<reporting::IsoWeek> first;
    if (!from.empty()) {
        first = reporting::parse_iso_week(from, zone);
        if (!first) {
            out.error = "'from' should be an ISO week such as 2026-W40, not '" + from + "'";
            return out;
        }
    } else {
        first = *last;
        for (std::size_t i = 1; i < kDefaultWeeks; ++i) first = reporting::previous_week(*first, zone);
    }
    if (first->start > last->start) {
        out.error = "'from' (" + first->name() + ") is after 'to' (" + last->name() + ")";
        return out;
    }
    for (auto w = *first; w.start <= last->start; w = reporting::next_week(w, zone)) {
        if (out.weeks.size() == kMaxWeeks) {
            out.weeks.clear();
            out.error = "the range is longer than " + std::to_string(kMaxWeeks) + " weeks";
            return out;
        }
        out.weeks.push_back(w.name());
    }
    return out;
}

}  // namespace gpwatch::collector
