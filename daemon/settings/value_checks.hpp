#pragma once
// Checks of single setting values. Each returns nullopt if the value is fine, else why not,
// phrased to follow "<setting>: ".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/settings.hpp"
#include "settings_reader/text.hpp"

namespace gpwatch::settings_detail {

// ODS organisation code: 3 to 6 capital letters or digits, starting with a letter.
bool is_ods_code(std::string_view s);
std::optional<std::string> check_ods_code(std::string_view s);

// wss://host:port/path
std::optional<std::string> check_feed_url(std::string_view s);

// "HH:MM-HH:MM" (end may be 24:00 and must be after start) or "closed" (-> nullopt DayHours).
struct DayHoursParse {
    std::optional<DayHours> hours;
    std::optional<std::string> error;
};
DayHoursParse parse_day_hours(std::string_view s);

// A plausible mail address for a header: local@domain, no spaces or line breaks.
std::optional<std::string> check_mail_address(std::string_view s);

using settings_reader::nearest;
using settings_reader::trim;

// A content rule's LMC category (rules[].category): [a-z0-9_]{1,40}. It goes into reports and
// onto the LMC's page, so nothing else is allowed in it.
bool valid_rule_category(std::string_view s);

// The category of a rule that names none: its first code set's name, lower case, with any
// character outside [a-z0-9_] read as '_' and cut to 40; "uncategorised" without a code set.
std::string default_rule_category(const ContentRule& r);

}  // namespace gpwatch::settings_detail
