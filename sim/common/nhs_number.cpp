#include "sim/common/nhs_number.hpp"

#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

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
