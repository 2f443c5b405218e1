#include "settings_reader/duration.hpp"

#include <cstdint>

namespace gpwatch {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    int previous_rank = 4;  // units must come largest first, each at most once: h > m > s > ms
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t digits_start = i;
        std::int64_t value = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (__builtin_mul_overflow(value, 10, &value) ||
                __builtin_add_overflow(value, text[i] - '0', &value))
                return std::nullopt;
            ++i;
        }
        if (i == digits_start || i == text.size()) return std::nullopt;  // no number, or no unit

        int rank = 0;
        std::int64_t unit_ms = 0;
        if (text.substr(i, 2) == "ms") {
            rank = 0, unit_ms = 1, i += 2;
        } else if (text[i] == 'h') {
            rank = 3, unit_ms = 3'600'000, i += 1;
        } else if (text[i] == 'm') {
            rank = 2, unit_ms = 60'000, i += 1;
        } else if (text[i] == 's') {
            rank = 1, unit_ms = 1'000, i += 1;
        } else {
            return std::nullopt;
        }
        if (rank >= previous_rank) return std::nullopt;
        previous_rank = rank;
        std::int64_t part = 0;
        if (__builtin_mul_overflow(value, unit_ms, &part) || __builtin_add_overflow(total, part, &total))
            return std::nullopt;
    }
    return std::chrono::milliseconds{total};
}

}  // namespace gpwatch
