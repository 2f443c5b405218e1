#pragma once
// The bank holidays file: one "YYYY-MM-DD  Name" a line, '#' starts a comment, blank lines ignored.
// See config/bank-holidays-england-and-wales.txt.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "daemon/settings/settings_loader.hpp"

namespace gpwatch::settings_detail {

struct BankHolidays {
    std::vector<date::sys_days> days;  // sorted, unique
    std::vector<SettingsError> errors;   // bad lines, with this file's name and line
    std::vector<SettingsError> warnings; // e.g. a date listed twice
};

// "YYYY-MM-DD" as a calendar date; nullopt if it is not one.
std::optional<date::sys_days> parse_iso_day(std::string_view s);

// `file_name` goes into the messages; `setting` names the setting that pointed at the file.
BankHolidays parse_bank_holidays(const std::string& text, const std::string& file_name,
                                 const std::string& setting);

}  // namespace gpwatch::settings_detail
