#pragma once
// The wall clock as the daemon's parts read it: unix seconds.

#include <chrono>
#include <cstdint>

namespace gpwatch::daemon_clock {

inline std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline std::chrono::system_clock::time_point at_unix(std::int64_t t) {
    return std::chrono::system_clock::time_point{std::chrono::seconds{t}};
}

}  // namespace gpwatch::daemon_clock
