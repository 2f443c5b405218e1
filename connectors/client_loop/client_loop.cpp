#include "connectors/client_loop/client_loop.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

namespace gpwatch::client_loop {

namespace asio = boost::asio;

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ClientLoop::ClientLoop(asio::any_io_executor ex, std::string name) : ex_(std::move(ex)), name_(std::move(name)) {}

// `body` is gone once called: it returns a member coroutine's awaitable ([this] { return run(); }),
// and is never a coroutine lambda itself (its captures would dangle).
void ClientLoop::start(std::function<asio::awaitable<void>()> body) {
    if (running_) return;
    running_ = true;
    stopping_ = false;
    asio::co_spawn(ex_, body(), [this](std::exception_ptr e) {
        running_ = false;
        if (e) {
            try { std::rethrow_exception(e); }
            catch (const std::exception& ex) { spdlog::critical("{}: client loop failed: {}", name_, ex.what()); }
        }
        if (on_stopped_) std::exchange(on_stopped_, {})();
    });
}

void ClientLoop::stop(std::function<void()> on_stopped, const std::function<void()>& interrupt) {
    stopping_ = true;
    on_stopped_ = std::move(on_stopped);
    if (interrupt) interrupt();
    if (!running_ && on_stopped_) std::exchange(on_stopped_, {})();
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(initial), max_(max), step_(initial), rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::jittered() {
    std::uniform_int_distribution<long> jitter(step_.count() / 2, step_.count());
    return std::chrono::milliseconds(jitter(rng_));
}

void Backoff::grow() { step_ = std::min(step_ * 2, max_); }

}  // namespace gpwatch::client_loop
