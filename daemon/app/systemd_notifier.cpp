#include "daemon/app/systemd_notifier.hpp"

#include <ctime>

#include <systemd/sd-daemon.h>

namespace gpwatch {

namespace {
std::string monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::to_string(static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}
}  // namespace

void SystemdNotifier::ready(const std::string& status) {
    sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void SystemdNotifier::reloading() {
    // MONOTONIC_USEC lets systemd >= 253 match this to the reload it asked for (Type=notify-reload).
    sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec()).c_str());
}

void SystemdNotifier::stopping() { sd_notify(0, "STOPPING=1"); }

void SystemdNotifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

void SystemdNotifier::status(const std::string& text) { sd_notify(0, ("STATUS=" + text).c_str()); }

std::chrono::microseconds SystemdNotifier::watchdog_period() const {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec / 2);
    return std::chrono::microseconds(0);
}

}  // namespace gpwatch
