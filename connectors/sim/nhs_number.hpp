#pragma once
// NHS numbers: ten digits, the last a modulus-11 check digit over the first nine.

#include <optional>
#include <string>
#include <string_view>

namespace gpwatch::sim {

class SimRandom;

// The check digit for nine leading digits, or nullopt when the sum gives 10 (no valid number).
std::optional<int> nhs_check_digit(std::string_view first_nine);

// True for exactly ten digits whose last digit is the modulus-11 check of the first nine.
bool nhs_number_valid(std::string_view nhs_number);

// A valid number in the NHS test range 999 000 000x – 999 999 999x.
std::string make_test_nhs_number(SimRandom& rng);

}  // namespace gpwatch::sim
