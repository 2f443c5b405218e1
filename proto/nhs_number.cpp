#include "proto/nhs_number.hpp"

namespace gpwatch {

bool nhs_number_is_valid(std::string_view s) {
    if (s.size() != 10) return false;
    int sum = 0;
    for (int i = 0; i < 9; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        sum += (s[i] - '0') * (10 - i);
    }
    if (s[9] < '0' || s[9] > '9') return false;
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) return false;  // no valid number has this remainder
    return check == s[9] - '0';
}

}  // namespace gpwatch
