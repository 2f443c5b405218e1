#include "sim/clinical/traffic_clock.hpp"

#include <iterator>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sim/clinical/clinical_traffic.hpp"
#include "sim/clinical/event_log.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;

TrafficClock::TrafficClock(asio::io_context& ioc, ClinicalTraffic& traffic, ClinicalEventLog& log, double rate,
                           std::uint64_t count, std::chrono::seconds backdate,
                           std::function<void()> on_all_generated, std::uint64_t lying_times)
    : ioc_(ioc),
      traffic_(traffic),
      log_(log),
      rate_(rate),
      count_(count),
      backdate_(backdate),
      on_all_generated_(std::move(on_all_generated)),
      lying_times_(lying_times),
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
        // A broken sender's clock: the far future, the year 1, 0, 1900, 9999 and the Unix epoch.
        static const char* const kLies[] = {"2099-05-28T10:00:00Z", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
                                            "1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z"};
        const bool lie = lying_times_ != 0 && n % lying_times_ == 0;
        log_.publish(traffic_.next(now), now, lie ? kLies[(n / lying_times_) % std::size(kLies)] : "");
    }
    if (!stopped_ && on_all_generated_) on_all_generated_();
}

}  // namespace gpwatch::sim
