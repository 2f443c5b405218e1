#include "sim/common/sim_cli.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace gpwatch::sim {

bool OptionCursor::next() {
    if (next_ >= args_.size()) return false;
    index_ = next_++;
    name_ = args_[index_];
    inline_value_.reset();
    if (const auto eq = name_.find('='); name_.rfind("--", 0) == 0 && eq != std::string::npos) {
        inline_value_ = name_.substr(eq + 1);
        name_ = name_.substr(0, eq);
    }
    return true;
}

void OptionCursor::flag() const {
    if (inline_value_) throw OptionError(name_ + ": takes no value");
}

std::string OptionCursor::value() {
    if (inline_value_) return *inline_value_;
    if (next_ >= args_.size()) throw OptionError(name_ + ": missing value");
    return args_[next_++];
}

double parse_number(const std::string& option, const std::string& text) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        throw OptionError(option + ": expected a number, got '" + text + "'");
    return v;
}

std::uint64_t parse_whole(const std::string& option, const std::string& text) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
        throw OptionError(option + ": expected a whole number, got '" + text + "'");
    return v;
}

std::string non_empty(const std::string& option, std::string value) {
    if (value.empty()) throw OptionError(option + ": must not be empty");
    return value;
}

std::chrono::milliseconds parse_duration(const std::string& option, const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    const std::string unit = text.substr(digits);
    const double n = parse_number(option, text.substr(0, digits));
    double ms = 0;
    if (unit == "ms") ms = n;
    else if (unit.empty() || unit == "s") ms = n * 1e3;
    else if (unit == "m") ms = n * 60e3;
    else if (unit == "h") ms = n * 3600e3;
    else if (unit == "d") ms = n * 86400e3;
    else throw OptionError(option + ": expected a duration like 5d, 2h, 10m, 30s or 500ms, got '" + text + "'");
    if (ms <= 0 || ms > 1e12) throw OptionError(option + ": must be > 0, got '" + text + "'");
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace gpwatch::sim
