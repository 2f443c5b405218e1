#include "sim/common/sim_runtime.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace gpwatch::sim {

void say(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void start_sim_logging() {
    spdlog::set_default_logger(spdlog::stderr_color_st("gpwatch-sim"));
    if (const char* level = std::getenv("GPWATCH_SIM_LOG")) spdlog::set_level(spdlog::level::from_str(level));
}

std::uint64_t choose_seed(const std::optional<std::uint64_t>& given) {
    return given ? *given : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
}

std::string url_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

int start_failed(const char* command, const std::exception& e) {
    spdlog::critical("{} sim: {}", command, e.what());
    std::cerr << "gpwatch-sim " << command << ": " << e.what() << "\n";
    return 1;
}

StopOnSignal::StopOnSignal(boost::asio::io_context& ioc, std::string who, std::function<void()> stop_work)
    : ioc_(ioc),
      who_(std::move(who)),
      stop_work_(std::move(stop_work)),
      signals_(ioc, SIGINT, SIGTERM),
      force_stop_(ioc) {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        spdlog::info("{}: signal {}, stopping", who_, signo);
        stop_work_();
        // Graceful first; whatever is still running after a moment is cut off.
        force_stop_.expires_after(std::chrono::milliseconds(500));
        force_stop_.async_wait([this](const boost::system::error_code&) { ioc_.stop(); });
    });
}

}  // namespace gpwatch::sim
