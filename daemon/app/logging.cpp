#include "daemon/app/logging.hpp"

#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace gpwatch {

namespace {

// "%*" in the pattern: the sd-daemon(3) priority prefix journald understands on stderr.
class SyslogPriorityFlag : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        static constexpr const char* prefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
        auto i = static_cast<std::size_t>(msg.level);
        const char* p = i < 7 ? prefix[i] : "<6>";
        dest.append(p, p + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriorityFlag>();
    }
};

}  // namespace

bool is_log_level(const std::string& level) {
    for (const char* name : {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"})
        if (level == name) return true;
    return false;
}

bool setup_logging(const std::string& program, const std::string& level) {
    std::string wanted = level;
    if (wanted.empty()) {
        const char* env = std::getenv("GPWATCH_LOG_LEVEL");
        wanted = env && *env ? env : "info";
    }
    if (!is_log_level(wanted)) return false;
    auto logger = spdlog::stderr_color_mt(program);
    const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*');
    formatter->set_pattern(journald ? "%*%l: %v" : "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(wanted));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return true;
}

}  // namespace gpwatch
