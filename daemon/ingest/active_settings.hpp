#pragma once
// The settings in force and what is derived from them once (the working calendar). Swapped as a
// whole on reload, so every part of the daemon sees one consistent version.

#include <memory>

#include "daemon/review/working_calendar.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

struct ActiveSettings {
    explicit ActiveSettings(Settings s) : settings(std::move(s)), calendar(settings.calendar) {}
    Settings settings;
    WorkingCalendar calendar;
};

using ActiveSettingsPtr = std::shared_ptr<const ActiveSettings>;

}  // namespace gpwatch
