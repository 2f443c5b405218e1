#pragma once
// Process plumbing shared by the simulators' run functions (clinical_sim, mesh_sim): the stdout
// lines scripts wait for, logging set-up, the seed, and stopping on SIGINT/SIGTERM. Kept in one
// place so both sub-commands start, report and stop the same way.

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gpwatch::sim {

// One line on stdout, flushed at once: scripts and tests wait for these lines.
void say(const std::string& line);

// Logs to stderr; the level comes from GPWATCH_SIM_LOG (e.g. "debug") when set.
void start_sim_logging();

// `given`, or a fresh random 64-bit seed.
std::uint64_t choose_seed(const std::optional<std::uint64_t>& given);

// `host` as it goes in a URL: IPv6 addresses in brackets.
std::string url_host(const std::string& host);

// Binds `server` (ClinicalSimServer or MeshSimServer) to host:port; an address that cannot be used
// becomes std::runtime_error "cannot listen on HOST:PORT: why", for the start-failure message.
template <class Server>
boost::asio::ip::tcp::endpoint bind_server(Server& server, const std::string& host, std::uint16_t port) {
    try {
        return server.bind(host, port);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 e.code().message());
    }
}

// A simulator that could not start: logs it, tells the user on stderr ("gpwatch-sim <command>:
// why") and returns the exit code 1.
int start_failed(const char* command, const std::exception& e);

// On SIGINT or SIGTERM: logs "<who>: signal N, stopping", calls `stop_work` so the simulator can
// stop gracefully, and stops `ioc` 500 ms later whatever is still running. Declare it after
// everything `stop_work` touches, so it is destroyed first.
class StopOnSignal {
public:
    StopOnSignal(boost::asio::io_context& ioc, std::string who, std::function<void()> stop_work);

private:
    boost::asio::io_context& ioc_;
    std::string who_;
    std::function<void()> stop_work_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer force_stop_;
};

}  // namespace gpwatch::sim
