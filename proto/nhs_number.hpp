#pragma once
#include <optional>
#include <string_view>

namespace gpwatch {

// The modulus-11 check digit for the first nine digits of an NHS number, or nullopt when the
// nine are not digits or give remainder 10 (no valid number starts that way).
std::optional<int> nhs_check_digit(std::string_view first_nine);

// True when `s` is 10 digits whose last is the modulus-11 check digit of the first nine.
// Real messages sometimes carry numbers that fail: callers flag them, never drop the write.
bool nhs_number_is_valid(std::string_view s);

}  // namespace gpwatch
