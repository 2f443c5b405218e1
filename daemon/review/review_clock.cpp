#include "daemon/review/review_clock.hpp"

namespace gpwatch {

void ReviewClock::schedule(std::int64_t write_id, std::int64_t deadline_at) {
    cancel(write_id);
    by_time_.emplace(deadline_at, write_id);
    deadline_of_[write_id] = deadline_at;
}

void ReviewClock::cancel(std::int64_t write_id) {
    auto it = deadline_of_.find(write_id);
    if (it == deadline_of_.end()) return;
    by_time_.erase({it->second, write_id});
    deadline_of_.erase(it);
}

std::vector<std::int64_t> ReviewClock::take_due(std::int64_t now) {
    std::vector<std::int64_t> due;
    while (!by_time_.empty() && by_time_.begin()->first <= now) {
        due.push_back(by_time_.begin()->second);
        deadline_of_.erase(by_time_.begin()->second);
        by_time_.erase(by_time_.begin());
    }
    return due;
}

std::optional<std::int64_t> ReviewClock::next_deadline() const {
    if (by_time_.empty()) return std::nullopt;
    return by_time_.begin()->first;
}

void ReviewClock::clear() {
    by_time_.clear();
    deadline_of_.clear();
}

}  // namespace gpwatch
