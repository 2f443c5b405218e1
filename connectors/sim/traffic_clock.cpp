#include "traffic_clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clinical_traffic.hpp"
#include "event_log.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;

TrafficClock::TrafficClock(asio::io_context& ioc, ClinicalTraffic& traffic, ClinicalEventLog& log, double rate,
                           std::uint64_t count, std::chrono::seconds backdate,
                           std::function<void()> on_all_generated)
    : ioc_(ioc),
      traffic_(traffic),
      log_(log),
      rate_(rate),
      count_(count),
      backdate_(backdate),
      on_all_generated_(std::move(on_all_generated)),
      timer_(ioc) {}

void TrafficClock::start() { asio::co_spawn(ioc_, run(), asio::detached); }

void TrafficClock::stop() {
    stopped_ = true;
    timer_.cancel();
}

asio::awaitable<void> TrafficClock::run() {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const std::chrono::duration<double> period(1.0 / rate_);
    // Deadlines count from the start, so the rate does not drift with scheduling delays.
    for (std::uint64_t n = 1; !stopped_ && (count_ == 0 || n <= count_); ++n) {
        timer_.expires_at(start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(n)));
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec || stopped_) co_return;
        const auto now = now_seconds() - backdate_;
        log_.publish(traffic_.next(now), now);
    }
    if (!stopped_ && on_all_generated_) on_all_generated_();
}

}  // namespace gpwatch::sim
