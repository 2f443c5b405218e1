#pragma once
// TrafficClock: publishes the next ClinicalTraffic event every 1/rate seconds, whether or not
// anyone is subscribed, until `count` events were published (0: forever).

#include <chrono>
#include <cstdint>
#include <functional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gpwatch::sim {

class ClinicalTraffic;
class ClinicalEventLog;

class TrafficClock {
public:
    // backdate: every event is stamped this far before the moment it is published.
    // lying_times: every Nth event stamped with a time that cannot be right (0: none).
    TrafficClock(boost::asio::io_context& ioc, ClinicalTraffic& traffic, ClinicalEventLog& log, double rate,
                 std::uint64_t count, std::chrono::seconds backdate, std::function<void()> on_all_generated,
                 std::uint64_t lying_times = 0);

    void start();
    void stop();

private:
    boost::asio::awaitable<void> run();

    boost::asio::io_context& ioc_;
    ClinicalTraffic& traffic_;
    ClinicalEventLog& log_;
    double rate_;
    std::uint64_t count_;
    std::chrono::seconds backdate_;
    std::function<void()> on_all_generated_;
    std::uint64_t lying_times_;
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
};

}  // namespace gpwatch::sim
