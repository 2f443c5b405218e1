#include "nhs_number.hpp"

#include "sim_random.hpp"

namespace gpwatch::sim {

std::optional<int> nhs_check_digit(std::string_view first_nine) {
    if (first_nine.size() != 9) return std::nullopt;
    int sum = 0;
    for (std::size_t i = 0; i < 9; ++i) {
        char c = first_nine[i];
        if (c < '0' || c > '9') return std::nullopt;
        sum += (c - '0') * static_cast<int>(10 - i);
    }
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) return std::nullopt;
    return check;
}

bool nhs_number_valid(std::string_view nhs_number) {
    if (nhs_number.size() != 10) return false;
    auto check = nhs_check_digit(nhs_number.substr(0, 9));
    return check && nhs_number[9] == static_cast<char>('0' + *check);
}

std::string make_test_nhs_number(SimRandom& rng) {
    for (;;) {
        std::string digits = "999";
        for (int i = 0; i < 6; ++i) digits.push_back(static_cast<char>('0' + rng.below(10)));
        if (auto check = nhs_check_digit(digits)) {
            digits.push_back(static_cast<char>('0' + *check));
            return digits;
        }
    }
}

}  // namespace gpwatch::sim
