#include "daemon/review/working_calendar.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <date/tz.h>

namespace gpwatch {

namespace {

using std::chrono::seconds;

// The range of instants the calendar reasons about. Outside it (e.g. SysSeconds::max() used as
// "never") there is no working time, which also keeps the tz arithmetic clear of overflow.
constexpr date::sys_days kFirstInstantDay = date::sys_days{date::year{1900} / 1 / 2};
constexpr date::sys_days kLastInstantDay = date::sys_days{date::year{9999} / 12 / 30};
const SysSeconds kFloor{kFirstInstantDay};
const SysSeconds kHorizon{kLastInstantDay};
constexpr date::local_days kLastDay = date::local_days{date::year{9999} / 12 / 31};

bool day_has_hours(const std::optional<DayHours>& d) { return d && d->end > d->start; }

}  // namespace

WorkingCalendar::WorkingCalendar(const Calendar& c)
    : hours_(c.hours), closed_days_(c.closed_days), closures_(c.closures) {
    try {
        zone_ = date::locate_zone(c.time_zone);
    } catch (const std::exception& e) {
        throw std::invalid_argument("unknown time zone '" + c.time_zone + "': " + e.what());
    }
    if (zone_ == nullptr) throw std::invalid_argument("unknown time zone '" + c.time_zone + "'");
    std::sort(closed_days_.begin(), closed_days_.end());
    closed_days_.erase(std::unique(closed_days_.begin(), closed_days_.end()), closed_days_.end());
    std::stable_sort(closures_.begin(), closures_.end(),
                     [](const Closure& a, const Closure& b) { return a.day < b.day; });
    has_hours_ = std::any_of(hours_.days.begin(), hours_.days.end(), day_has_hours);
}

bool WorkingCalendar::is_closed_day(date::local_days day) const {
    return std::binary_search(closed_days_.begin(), closed_days_.end(),
                              date::sys_days{day.time_since_epoch()});
}

date::local_days WorkingCalendar::local_day_of(SysSeconds t) const {
    t = std::clamp(t, kFloor, kHorizon);
    return std::chrono::floor<date::days>(zone_->to_local(t));
}

WorkingCalendar::DayIntervals WorkingCalendar::intervals_of(date::local_days day) const {
    DayIntervals out;
    const unsigned iso = date::weekday{day}.iso_encoding();  // 1 = Monday ... 7 = Sunday
    const auto& hours = hours_.days[iso - 1];
    if (!day_has_hours(hours) || is_closed_day(day)) return out;
    // Work in local minutes first: closures are wall-clock times too. Cut [start, end) by every
    // closure of the day, then convert each piece to instants.
    std::array<std::pair<std::chrono::minutes, std::chrono::minutes>, kMaxPieces> local{};
    std::size_t n = 0;
    local[n++] = {hours->start, hours->end};
    const date::sys_days key{day.time_since_epoch()};
    auto it = std::lower_bound(closures_.begin(), closures_.end(), key,
                               [](const Closure& c, date::sys_days d) { return c.day < d; });
    for (; it != closures_.end() && it->day == key; ++it) {
        std::array<std::pair<std::chrono::minutes, std::chrono::minutes>, kMaxPieces> next{};
        std::size_t m = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto [a, b] = local[i];
            if (it->end <= a || it->start >= b) {  // untouched
                if (m < kMaxPieces) next[m++] = {a, b};
                continue;
            }
            if (a < it->start && m < kMaxPieces) next[m++] = {a, it->start};
            if (it->end < b && m < kMaxPieces) next[m++] = {it->end, b};
        }
        local = next;
        n = m;
    }
    for (std::size_t i = 0; i < n; ++i) {
        // Wall-clock times that do not exist (spring gap) map to the change itself; ones that
        // exist twice (autumn) take the earliest reading for a start and the latest for an end.
        const SysSeconds begin = zone_->to_sys(day + local[i].first, date::choose::earliest);
        SysSeconds end = zone_->to_sys(day + local[i].second, date::choose::latest);
        if (end <= begin) continue;
        out.pieces[out.count++] = {begin, end};
    }
    return out;
}

SysSeconds WorkingCalendar::add_working_time(SysSeconds start, seconds amount) const {
    if (amount <= seconds::zero()) return start;
    if (!has_hours_ || start >= kHorizon) return SysSeconds::max();

    // Cheap upper bound first, so absurd amounts do not walk day by day to the year 9999: no week
    // holds more than its nominal hours plus an hour of clock change.
    seconds week{0};
    for (const auto& d : hours_.days)
        if (day_has_hours(d)) week += d->end - d->start + std::chrono::hours(1);
    const auto weeks_left = (kHorizon - std::max(start, kFloor)) / std::chrono::weeks(1) + 1;
    if (amount / week > weeks_left) return SysSeconds::max();

    const SysSeconds from = std::max(start, kFloor);
    seconds remaining = amount;
    // Each local day's interval lies inside that day, so nothing before from's day can count.
    for (auto day = local_day_of(from); day <= kLastDay; day += date::days{1}) {
        const DayIntervals d = intervals_of(day);
        for (std::size_t i = 0; i < d.count; ++i) {
            const Interval& iv = d.pieces[i];
            const SysSeconds b = std::max(iv.begin, from);
            if (iv.end <= b) continue;
            const seconds available = iv.end - b;
            if (remaining <= available) return b + remaining;
            remaining -= available;
        }
    }
    return SysSeconds::max();
}

seconds WorkingCalendar::working_time_between(SysSeconds from, SysSeconds to) const {
    from = std::max(from, kFloor);
    to = std::min(to, kHorizon);
    if (to <= from || !has_hours_) return seconds::zero();
    seconds total{0};
    const auto last = local_day_of(to);
    for (auto day = local_day_of(from); day <= last; day += date::days{1}) {
        const DayIntervals d = intervals_of(day);
        for (std::size_t i = 0; i < d.count; ++i) {
            const SysSeconds b = std::max(d.pieces[i].begin, from);
            const SysSeconds e = std::min(d.pieces[i].end, to);
            if (e > b) total += e - b;
        }
    }
    return total;
}

bool WorkingCalendar::is_working(SysSeconds t) const {
    if (!has_hours_ || t < kFloor || t >= kHorizon) return false;
    const DayIntervals d = intervals_of(local_day_of(t));
    for (std::size_t i = 0; i < d.count; ++i)
        if (d.pieces[i].begin <= t && t < d.pieces[i].end) return true;
    return false;
}

std::optional<SysSeconds> WorkingCalendar::next_working_start(SysSeconds t) const {
    if (!has_hours_ || t >= kHorizon) return std::nullopt;
    const SysSeconds from = std::max(t, kFloor);
    for (auto day = local_day_of(from); day <= kLastDay; day += date::days{1}) {
        const DayIntervals d = intervals_of(day);
        for (std::size_t i = 0; i < d.count; ++i) {
            const SysSeconds b = std::max(d.pieces[i].begin, from);
            if (d.pieces[i].end > b) return b;
        }
    }
    return std::nullopt;
}

}  // namespace gpwatch
