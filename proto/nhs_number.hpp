#pragma once
#include <string_view>

namespace gpwatch {

// True when `s` is 10 digits whose last is the modulus-11 check digit of the first nine.
// Real messages sometimes carry numbers that fail: callers flag them, never drop the write.
bool nhs_number_is_valid(std::string_view s);

}  // namespace gpwatch
