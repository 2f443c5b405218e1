#pragma once
// ReviewClock: the open writes' review deadlines, soonest first. Holds no time of its own: the
// daemon asks what is due at `now`. Rebuilt from the ledger at start and on reload, so a restart
// neither forgets a deadline nor fires one twice (the ledger's unique verdicts see to that).

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gpwatch {

class ReviewClock {
public:
    // Sets (or moves) the deadline of a write, in unix seconds.
    void schedule(std::int64_t write_id, std::int64_t deadline_at);
    void cancel(std::int64_t write_id);
    // Removes and returns every write whose deadline is at or before `now`, soonest first.
    std::vector<std::int64_t> take_due(std::int64_t now);
    std::optional<std::int64_t> next_deadline() const;
    std::size_t size() const { return deadline_of_.size(); }
    void clear();

private:
    std::set<std::pair<std::int64_t, std::int64_t>> by_time_;  // (deadline, write id)
    std::unordered_map<std::int64_t, std::int64_t> deadline_of_;
};

}  // namespace gpwatch
