#include "daemon/app/logging.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace gpwatch {

void setup_logging(const std::string& program, const std::string& level) {
    auto logger = spdlog::stderr_color_mt(program);
    const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
    logger->set_pattern(journald ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    std::string wanted = level;
    if (wanted.empty()) {
        const char* env = std::getenv("GPWATCH_LOG_LEVEL");
        wanted = env ? env : "info";
    }
    logger->set_level(spdlog::level::from_str(wanted));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

}  // namespace gpwatch
