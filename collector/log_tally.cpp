#include "collector/log_tally.hpp"

namespace gpwatch::collector {

bool LogTally::note(const std::string& kind, Clock::time_point now, std::string sample) {
    const auto it = windows_.find(kind);
    if (it == windows_.end()) {
        windows_.emplace(kind, Window{now, 0, {}});  // logged now; the window counts what follows
        return true;
    }
    ++it->second.count;
    it->second.last_sample = std::move(sample);
    return false;
}

std::vector<LogTally::Summary> LogTally::due(Clock::time_point now) {
    std::vector<Summary> out;
    for (auto it = windows_.begin(); it != windows_.end();) {
        Window& w = it->second;
        if (now - w.started < interval_) {
            ++it;
            continue;
        }
        if (w.count == 0) {  // nothing since the line that opened it: quiet again
            it = windows_.erase(it);
            continue;
        }
        out.push_back(Summary{it->first, w.count, now - w.started, std::move(w.last_sample)});
        w = Window{now, 0, {}};
        ++it;
    }
    return out;
}

std::vector<LogTally::Summary> LogTally::flush(Clock::time_point now) {
    std::vector<Summary> out;
    for (auto& [kind, w] : windows_)
        if (w.count > 0) out.push_back(Summary{kind, w.count, now - w.started, std::move(w.last_sample)});
    windows_.clear();
    return out;
}

std::optional<LogTally::Clock::time_point> LogTally::next_due() const {
    std::optional<Clock::time_point> next;
    for (const auto& [kind, w] : windows_)
        if (!next || w.started + interval_ < *next) next = w.started + interval_;
    return next;
}

std::string with_thousands(std::uint64_t n) {
    // Built forwards rather than by insert(): GCC 12 wrongly warns (-Wrestrict) on the latter.
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

}  // namespace gpwatch::collector
