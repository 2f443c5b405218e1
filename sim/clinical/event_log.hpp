#pragma once
// ClinicalEventLog: the feed's memory. Publishing an event gives it the next seq (1, 2, 3, … for
// the whole run, shared by every connection), stamps its time, serialises it once, appends it to
// the journal and wakes the sessions waiting for news. The last `capacity` events are retained
// so a client can resubscribe from any seq it holds and get everything after it.

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include "sim/common/london_time.hpp"

namespace gpwatch::sim {

class Journal;

class ClinicalEventLog {
public:
    using Frame = std::shared_ptr<const std::string>;

    ClinicalEventLog(std::string practice, std::size_t capacity, Journal* journal);

    // Adds type, seq, time and practice in front of `body`; returns the seq given. `claimed_time`:
    // an RFC 3339 time to stamp instead of `now` (a lying clock), or empty.
    std::uint64_t publish(const boost::json::object& body, SysSeconds now, const std::string& claimed_time = "");

    std::uint64_t latest_seq() const { return next_seq_ - 1; }
    std::uint64_t first_retained_seq() const { return next_seq_ - events_.size(); }
    // The frame with this seq, or null when it is not (or no longer) retained.
    Frame find(std::uint64_t seq) const;

    // Sessions park on a timer while there is nothing to send; publish() cancels it to wake them.
    void add_waiter(boost::asio::steady_timer* timer) { waiters_.insert(timer); }
    void remove_waiter(boost::asio::steady_timer* timer) { waiters_.erase(timer); }

    // The highest seq any client acknowledged.
    void note_ack(std::uint64_t seq) { highest_ack_ = std::max(highest_ack_, seq); }
    std::uint64_t highest_ack() const { return highest_ack_; }

private:
    std::string practice_;
    std::size_t capacity_;
    Journal* journal_;
    std::deque<Frame> events_;
    std::uint64_t next_seq_ = 1;
    std::uint64_t highest_ack_ = 0;
    std::set<boost::asio::steady_timer*> waiters_;
};

}  // namespace gpwatch::sim
