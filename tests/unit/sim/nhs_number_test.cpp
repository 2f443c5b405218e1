#include "sim/common/nhs_number.hpp"

#include <gtest/gtest.h>

#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

TEST(NhsNumber, KnownNumbers) {
    EXPECT_TRUE(nhs_number_is_valid("9434765919"));  // the example in docs/protocols.md
    EXPECT_FALSE(nhs_number_is_valid("9434765918"));
    EXPECT_FALSE(nhs_number_is_valid("943476591"));
    EXPECT_FALSE(nhs_number_is_valid("94347659190"));
    EXPECT_FALSE(nhs_number_is_valid("94347a5919"));
    EXPECT_EQ(nhs_check_digit("943476591"), 9);
}

TEST(NhsNumber, CheckDigitTenHasNoValidNumber) {
    // 1*10 + 1*2 = 12 ≡ 1 (mod 11) → 11 - 1 = 10: no check digit exists, the number is unusable.
    EXPECT_EQ(nhs_check_digit("100000001"), std::nullopt);
    EXPECT_EQ(nhs_check_digit("000000001"), 9);
}

TEST(NhsNumber, GeneratedTestNumbersAreValidAndInTestRange) {
    SimRandom rng(123);
    for (int i = 0; i < 5000; ++i) {
        const std::string n = make_test_nhs_number(rng);
        ASSERT_TRUE(nhs_number_is_valid(n)) << n;
        ASSERT_EQ(n.substr(0, 3), "999") << n;
    }
}

}  // namespace gpwatch::sim
