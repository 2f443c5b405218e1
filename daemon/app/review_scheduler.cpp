#include "daemon/app/review_scheduler.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace gpwatch {

namespace asio = boost::asio;

ReviewScheduler::ReviewScheduler(asio::any_io_executor ex, Hooks hooks)
    : ex_(ex), hooks_(std::move(hooks)), timer_(ex) {}

ReviewScheduler::~ReviewScheduler() { stop(); }

void ReviewScheduler::stop() {
    stopped_ = true;
    ++generation_;
    timer_.cancel();
}

void ReviewScheduler::reload_all() {
    stopped_ = false;  // after a stop for a ledger that refused writes: working again
    clock_.clear();
    to_check_.clear();
    loading_ = true;
    load_after_ = 0;
    loaded_ = 0;
    load_started_ = std::chrono::steady_clock::now();
    const auto generation = ++generation_;
    asio::post(ex_, [this, generation] { load_next(generation); });
}

void ReviewScheduler::load_next(std::uint64_t generation) {
    if (generation != generation_ || stopped_) return;  // superseded by a later reload
    std::int64_t last = 0;
    Deadlines slice;
    try {
        slice = hooks_.load_slice(load_after_, kLoadSlice, last);
    } catch (const std::exception& e) {
        loading_ = false;
        hooks_.failed(std::string("cannot read the open writes' deadlines: ") + e.what());
        return;
    }
    for (auto [id, when] : slice)
        if (when > 0) clock_.schedule(id, when);
    loaded_ += slice.size();
    if (last != 0) {
        load_after_ = last;
        asio::post(ex_, [this, generation] { load_next(generation); });
        return;
    }
    loading_ = false;
    spdlog::info("review clock: {} open writes' deadlines scheduled in {:.1f} s", clock_.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started_).count());
    hooks_.loaded(clock_.size());
    on_due();
}

void ReviewScheduler::schedule(std::int64_t write_id, std::int64_t when) {
    if (when > 0) clock_.schedule(write_id, when);
}

void ReviewScheduler::cancel(std::int64_t write_id) { clock_.cancel(write_id); }

void ReviewScheduler::wake() {
    if (!loading_ && !checking_) arm();
}

void ReviewScheduler::arm() {
    if (stopped_) return;
    // Wake at the next deadline, and at least once a minute in case the wall clock was stepped.
    auto wake_at = hooks_.now() + 60;
    if (auto next = clock_.next_deadline()) wake_at = std::min(wake_at, *next);
    timer_.expires_at(std::chrono::system_clock::time_point{std::chrono::seconds{wake_at}});
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_due();
    });
}

void ReviewScheduler::on_due() {
    if (stopped_ || loading_) return;  // the load ends with a look at what is due
    for (auto id : clock_.take_due(hooks_.now())) to_check_.push_back(id);
    if (to_check_.empty()) {
        arm();
        return;
    }
    // Events still waiting for their group commit may close some of these writes: commit first.
    hooks_.before_check();
    checking_ = true;
    check_next();
}

void ReviewScheduler::check_next() {
    if (stopped_ || loading_) {
        checking_ = false;
        return;
    }
    const auto now = hooks_.now();
    std::vector<std::int64_t> slice;
    while (!to_check_.empty() && slice.size() < kCheckSlice) {
        slice.push_back(to_check_.front());
        to_check_.pop_front();
    }
    Deadlines later;
    int created = 0;
    try {
        created = hooks_.raise(slice, now, later);
    } catch (const std::exception& e) {
        // Not recorded: back on the clock, to be checked once the ledger works again.
        for (auto id : slice) clock_.schedule(id, now);
        checking_ = false;
        hooks_.failed(std::string("cannot record overdue reviews: ") + e.what());
        return;
    }
    for (auto [id, when] : later) clock_.schedule(id, when);
    if (created) hooks_.alerts_created();
    if (!to_check_.empty()) {
        asio::post(ex_, [this] { check_next(); });
        return;
    }
    checking_ = false;
    arm();
}

}  // namespace gpwatch
