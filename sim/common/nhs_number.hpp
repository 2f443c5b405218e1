#pragma once
// Test NHS numbers for simulated patients (the check digit itself lives in proto/nhs_number.hpp).

#include <string>

#include "proto/nhs_number.hpp"

namespace gpwatch::sim {

class SimRandom;

// A valid number in the NHS test range 999 000 000x – 999 999 999x.
std::string make_test_nhs_number(SimRandom& rng);

}  // namespace gpwatch::sim
