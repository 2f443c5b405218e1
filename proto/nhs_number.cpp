#include "proto/nhs_number.hpp"

namespace gpwatch {

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

bool nhs_number_is_valid(std::string_view s) {
    if (s.size() != 10) return false;
    auto check = nhs_check_digit(s.substr(0, 9));
    return check && s[9] == static_cast<char>('0' + *check);
}

}  // namespace gpwatch
