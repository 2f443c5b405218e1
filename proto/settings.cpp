#include "proto/settings.hpp"

namespace gpwatch {

WorkingHours default_working_hours() {
    using namespace std::chrono_literals;
    WorkingHours h;
    for (int d = 0; d < 5; ++d) h.days[d] = DayHours{8h, 18h + 30min};
    return h;
}

const AllowedOrganisation* Settings::find_allowed(const std::string& ods) const {
    for (const auto& o : allowed)
        if (o.ods == ods) return &o;
    return nullptr;
}

const ProhibitedOrganisation* Settings::find_prohibited(const std::string& ods) const {
    for (const auto& o : prohibited)
        if (o.ods == ods) return &o;
    return nullptr;
}

}  // namespace gpwatch
