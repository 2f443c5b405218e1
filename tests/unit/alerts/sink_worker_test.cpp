// SinkWorker: a sink's deliver() runs on the worker's own thread, so the event loop keeps turning
// while a peer stalls; results come back on the loop; stop() returns within its grace whatever the
// sink does, and nothing is posted after it.

#include "daemon/alerts/sink_worker.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

using namespace gpwatch;
using namespace std::chrono_literals;

namespace {

// Blocks in deliver() until released, or until cancelled when `honours_cancel`.
class StallingSink : public AlertSink {
public:
    struct Shared {
        std::mutex m;
        std::condition_variable cv;
        bool released = false;
        bool cancelled = false;
        std::atomic<int> calls{0};
        std::atomic<std::thread::id> thread{};
        std::atomic<bool> destroyed{false};
    };
    StallingSink(std::shared_ptr<Shared> s, bool honours_cancel) : s_(std::move(s)), honours_cancel_(honours_cancel) {}
    ~StallingSink() override { s_->destroyed = true; }
    const char* name() const override { return "stalling"; }
    DeliveryResult deliver(const Alert&) override {
        ++s_->calls;
        s_->thread = std::this_thread::get_id();
        std::unique_lock lock(s_->m);
        s_->cv.wait(lock, [&] { return s_->released || (honours_cancel_ && s_->cancelled); });
        if (!s_->released) return {false, true, "cancelled"};
        return {true, false, ""};
    }
    void cancel() override {
        std::lock_guard lock(s_->m);
        s_->cancelled = true;
        s_->cv.notify_all();
    }

private:
    std::shared_ptr<Shared> s_;
    bool honours_cancel_;
};

Alert alert(std::int64_t id) {
    Alert a;
    a.id = id;
    return a;
}

}  // namespace

TEST(SinkWorker, DeliversOnItsOwnThreadWhileTheLoopTurns) {
    boost::asio::io_context ioc;
    auto shared = std::make_shared<StallingSink::Shared>();
    alerts::SinkWorker worker(ioc.get_executor(), "duty_smtp", std::make_unique<StallingSink>(shared, true));
    EXPECT_TRUE(worker.idle());
    std::optional<DeliveryResult> got;
    std::thread::id result_thread;
    worker.submit(alert(1), [&](const DeliveryResult& r) {
        got = r;
        result_thread = std::this_thread::get_id();
    });
    EXPECT_FALSE(worker.idle()) << "one delivery in flight";

    // The loop keeps running timers while the sink is stuck.
    int ticks = 0;
    boost::asio::steady_timer tick(ioc);
    std::function<void()> arm = [&] {
        tick.expires_after(10ms);
        tick.async_wait([&](boost::system::error_code) {
            if (++ticks == 20) {
                std::lock_guard lock(shared->m);
                shared->released = true;  // the peer answers at last
                shared->cv.notify_all();
            }
            if (!got) arm();
        });
    };
    arm();
    ioc.run_for(5s);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->delivered);
    EXPECT_GE(ticks, 20) << "the loop turned while the sink blocked";
    EXPECT_EQ(result_thread, std::this_thread::get_id()) << "results run on the loop's thread";
    EXPECT_NE(shared->thread.load(), std::this_thread::get_id()) << "deliver() ran on the worker's thread";
    EXPECT_TRUE(worker.idle());
}

TEST(SinkWorker, StopCancelsASinkInFlightAndPostsNothing) {
    boost::asio::io_context ioc;
    auto shared = std::make_shared<StallingSink::Shared>();
    alerts::SinkWorker worker(ioc.get_executor(), "duty_smtp", std::make_unique<StallingSink>(shared, true));
    bool called = false;
    worker.submit(alert(1), [&](const DeliveryResult&) { called = true; });
    while (shared->calls == 0) std::this_thread::sleep_for(1ms);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(worker.stop(2s)) << "a sink that honours cancel() lets the thread end";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    ioc.run_for(100ms);
    EXPECT_FALSE(called) << "an abandoned delivery's result is never recorded";
    EXPECT_FALSE(worker.idle());
}

TEST(SinkWorker, StopReturnsWithinItsGraceEvenIfTheSinkIgnoresCancel) {
    boost::asio::io_context ioc;
    auto shared = std::make_shared<StallingSink::Shared>();
    {
        alerts::SinkWorker worker(ioc.get_executor(), "tarpit", std::make_unique<StallingSink>(shared, false));
        worker.submit(alert(1), [](const DeliveryResult&) { ADD_FAILURE() << "posted after stop"; });
        while (shared->calls == 0) std::this_thread::sleep_for(1ms);
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_FALSE(worker.stop(200ms));
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_GE(took, 200ms);
        EXPECT_LT(took, 1s);
    }
    // The worker is gone; its thread still owns the sink until the sink returns.
    EXPECT_FALSE(shared->destroyed);
    {
        std::lock_guard lock(shared->m);
        shared->released = true;
        shared->cv.notify_all();
    }
    for (int i = 0; i < 200 && !shared->destroyed; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(shared->destroyed) << "the thread frees the sink when it is done with it";
    ioc.run_for(50ms);
}
