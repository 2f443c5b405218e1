#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace gpwatch {

// "45s", "30m", "4h", "1h30m", "20ms", or units combined largest first ("1h30m15s").
// Anything else (no unit, spaces, signs, decimals, overflow) is nullopt. "0s" parses to zero.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace gpwatch
