#pragma once
// What every connector client that keeps a loop running against a peer shares: starting its
// coroutine once, stopping it (the caller's `interrupt` cancels timers and closes sockets, and
// `on_stopped` runs once the loop has ended), and waiting between attempts with exponential
// backoff and jitter. The clinical feed and MESH clients use it, so both stop and back off alike.

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace gpwatch::client_loop {

// Unix seconds now (for the times a client shows in gpwatchctl status).
std::int64_t unix_now();

class ClientLoop {
public:
    // `name` starts the log line when the loop ends with an exception ("mesh", "clinical feed").
    ClientLoop(boost::asio::any_io_executor ex, std::string name);
    // Spawns `body()` on the executor unless it is already running.
    void start(std::function<boost::asio::awaitable<void>()> body);
    // Marks the loop stopping and calls `interrupt` so whatever it awaits returns; `on_stopped`
    // runs once the loop has ended (at once when it is not running).
    void stop(std::function<void()> on_stopped, const std::function<void()>& interrupt);
    bool stopping() const { return stopping_; }
    bool running() const { return running_; }

private:
    boost::asio::any_io_executor ex_;
    std::string name_;
    bool stopping_ = false;
    bool running_ = false;
    std::function<void()> on_stopped_;
};

// Exponential backoff with "equal jitter": each wait lies between half and all of the current
// step, so a fleet of practices does not come back in lockstep after an outage.
class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
    // A wait drawn from the current step (the step itself is unchanged).
    std::chrono::milliseconds jittered();
    // The next step doubles, up to the maximum.
    void grow();
    // Back to the first step (after a success).
    void reset() { step_ = initial_; }

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds step_;
    std::mt19937_64 rng_;
};

}  // namespace gpwatch::client_loop
