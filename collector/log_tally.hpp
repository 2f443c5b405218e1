#pragma once
// LogTally: at most one log line per interval for each kind of event (a refused connection, a
// timed-out handshake, a failed accept...), with a count, instead of one line per event.
//
// Why: under a flood each event is cheap for the attacker and a log line is not: one line per
// refused connection once grew the log by 79 MB in 40 s. The first event of a kind after a quiet
// interval is logged at once (the admin sees it start, with its details); the ones after it are
// counted, and when the interval ends one summary line says how many there were. A kind with
// nothing to report goes quiet until its next event.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gpwatch::collector {

class LogTally {
public:
    using Clock = std::chrono::steady_clock;

    explicit LogTally(Clock::duration interval) : interval_(interval) {}

    // One event of `kind`; `sample` describes it (e.g. the peer), kept for the summary.
    // True when it is to be logged alone, now.
    bool note(const std::string& kind, Clock::time_point now, std::string sample = {});

    struct Summary {
        std::string kind;
        std::uint64_t count = 0;  // events since the last line of this kind
        Clock::duration over{};   // the time they came in
        std::string last_sample;
    };
    // The summaries due by `now`, each starting the kind's next interval.
    std::vector<Summary> due(Clock::time_point now);
    // Everything counted and not yet said, whatever the time (on stop); then all kinds are quiet.
    std::vector<Summary> flush(Clock::time_point now);
    // When the next interval ends (a summary, or a kind going quiet), if any is open.
    std::optional<Clock::time_point> next_due() const;

private:
    struct Window {
        Clock::time_point started;
        std::uint64_t count = 0;
        std::string last_sample;
    };
    Clock::duration interval_;
    std::map<std::string, Window> windows_;
};

// 4312 -> "4,312": counts in log lines are read by people.
std::string with_thousands(std::uint64_t n);

}  // namespace gpwatch::collector
