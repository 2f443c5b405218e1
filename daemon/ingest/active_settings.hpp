#pragma once
// The settings in force and what is derived from them once (the working calendar, the compiled
// policy: content rules and flag code sets). Swapped as a whole on reload, so every part of the
// daemon sees one consistent version.

#include <memory>

#include "daemon/policy/policy.hpp"
#include "daemon/review/working_calendar.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

struct ActiveSettings {
    explicit ActiveSettings(Settings s)
        : settings(std::move(s)), calendar(settings.calendar), engine(settings) {}
    // The engine and calendar refer to `settings`: the whole stays where it was built.
    ActiveSettings(const ActiveSettings&) = delete;
    ActiveSettings& operator=(const ActiveSettings&) = delete;

    Settings settings;
    WorkingCalendar calendar;
    policy::Engine engine;  // compiled once per load: evaluating an event does no compilation
};

using ActiveSettingsPtr = std::shared_ptr<const ActiveSettings>;

}  // namespace gpwatch
