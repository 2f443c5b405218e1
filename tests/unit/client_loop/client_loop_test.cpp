#include "connectors/client_loop/client_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

using namespace gpwatch::client_loop;
using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(Backoff, EachWaitLiesBetweenHalfAndAllOfTheStepWhichDoublesUpToTheMaximum) {
    Backoff b(100ms, 500ms);
    for (auto step : {100ms, 200ms, 400ms, 500ms, 500ms}) {
        for (int i = 0; i < 50; ++i) {
            const auto w = b.jittered();
            EXPECT_GE(w, step / 2);
            EXPECT_LE(w, step);
        }
        b.grow();
    }
    b.reset();
    EXPECT_LE(b.jittered(), 100ms);
}

TEST(ClientLoop, StopWhenNotRunningCallsBackAtOnce) {
    asio::io_context ioc;
    ClientLoop loop(ioc.get_executor(), "test");
    bool interrupted = false, stopped = false;
    loop.stop([&] { stopped = true; }, [&] { interrupted = true; });
    EXPECT_TRUE(interrupted);
    EXPECT_TRUE(stopped);
    EXPECT_TRUE(loop.stopping());
}

namespace {

// A loop that waits on `timer` until stopped (a coroutine function, not a coroutine lambda: the
// callable given to start() is gone once it has been called).
asio::awaitable<void> wait_until_stopped(ClientLoop& loop, asio::steady_timer& timer, int& rounds) {
    while (!loop.stopping()) {
        ++rounds;
        timer.expires_after(1h);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<void> count_once(int& rounds) {
    ++rounds;
    co_return;
}

}  // namespace

TEST(ClientLoop, StopInterruptsTheLoopAndCallsBackOnceItHasEnded) {
    asio::io_context ioc;
    ClientLoop loop(ioc.get_executor(), "test");
    asio::steady_timer timer(ioc);
    int rounds = 0;
    bool stopped = false;
    loop.start([&] { return wait_until_stopped(loop, timer, rounds); });
    EXPECT_TRUE(loop.running());
    loop.start([&] { return count_once(rounds); });  // already running: ignored
    ioc.run_for(20ms);
    EXPECT_EQ(rounds, 1);
    loop.stop([&] { stopped = true; }, [&] { timer.cancel(); });
    EXPECT_FALSE(stopped);  // the loop has not ended yet
    ioc.restart();
    ioc.run_for(200ms);
    EXPECT_TRUE(stopped);
    EXPECT_FALSE(loop.running());
    EXPECT_EQ(rounds, 1);
}
