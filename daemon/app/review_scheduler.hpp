#pragma once
// ReviewScheduler: gpwatchd's review clock at work. It owns the clock of open writes' deadlines,
// wakes at the next one, and has the overdue and escalation alerts raised for what is due. Two
// jobs that can be large are done a slice at a time on the event loop, so that neither a ledger of
// a million writes nor a backlog of thousands falling due at once holds the loop (ingest, the
// watchdog and deliveries go on between slices):
//
//   reload_all()  start-up and reload: every open write's deadline, recomputed under the settings
//                 in force, back on the clock (kLoadSlice writes per turn of the loop)
//   due writes    overdue/escalation raised kCheckSlice writes per turn
//
// While the clock is being rebuilt, nothing is checked: the checks start once every deadline is
// back, so a restart after downtime raises what fell due meanwhile in one go (through the
// outbox's flood limit).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/system_timer.hpp>

#include "daemon/review/review_clock.hpp"

namespace gpwatch {

class ReviewScheduler {
public:
    using Deadlines = std::vector<std::pair<std::int64_t, std::int64_t>>;  // (write id, when)
    struct Hooks {
        // One slice of the ledger's open writes after `after_id` (RecordIngest::recompute_deadlines_slice):
        // their next times; `last_id` set to the last write looked at, 0 when none were left.
        std::function<Deadlines(std::int64_t after_id, int limit, std::int64_t& last_id)> load_slice;
        // Everything is back on the clock (`open` writes): e.g. close drifts, tell systemd.
        std::function<void(std::size_t open)> loaded;
        // Before writes are checked: commit events still waiting (their reviews may close some).
        std::function<void()> before_check;
        // Raises what is due for `writes` at `now`; returns alerts created; `later` gets the
        // escalations still to come.
        std::function<int(const std::vector<std::int64_t>& writes, std::int64_t now, Deadlines& later)> raise;
        std::function<void()> alerts_created;
        // The ledger failed (loading or raising): the scheduler stops until reload_all().
        std::function<void(const std::string& what)> failed;
        std::function<std::int64_t()> now;
    };

    ReviewScheduler(boost::asio::any_io_executor ex, Hooks hooks);
    ~ReviewScheduler();

    // Clears the clock and loads every open write's deadline again, in slices (also after stop()).
    void reload_all();
    void schedule(std::int64_t write_id, std::int64_t when);
    void cancel(std::int64_t write_id);
    // New deadlines were scheduled: make sure the timer wakes for the soonest.
    void wake();
    void stop();

    bool loading() const { return loading_; }
    std::size_t size() const { return clock_.size(); }

    static constexpr int kLoadSlice = 5000;
    static constexpr std::size_t kCheckSlice = 500;

private:
    void load_next(std::uint64_t generation);
    void arm();
    void on_due();
    void check_next();

    boost::asio::any_io_executor ex_;
    Hooks hooks_;
    ReviewClock clock_;
    boost::asio::system_timer timer_;
    std::uint64_t generation_ = 0;  // a reload during a load starts a new one; old slices stop
    bool loading_ = false;
    std::int64_t load_after_ = 0;
    std::size_t loaded_ = 0;
    std::chrono::steady_clock::time_point load_started_;
    std::deque<std::int64_t> to_check_;  // due writes not yet checked
    bool checking_ = false;
    bool stopped_ = false;
};

}  // namespace gpwatch
