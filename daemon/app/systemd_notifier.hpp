#pragma once
// Tells systemd how gpwatchd is (Type=notify): READY, RELOADING, STOPPING, WATCHDOG, STATUS.
// Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op.

#include <chrono>
#include <string>

namespace gpwatch {

class SystemdNotifier {
public:
    void ready(const std::string& status);
    void reloading();
    void stopping();
    void watchdog();
    void status(const std::string& text);
    // Half of WatchdogSec when systemd asked for keep-alives, zero otherwise.
    std::chrono::microseconds watchdog_period() const;
};

}  // namespace gpwatch
