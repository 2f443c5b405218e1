#pragma once
// `gpwatch-sim clinical`: the clinical-system event feed simulator (docs/protocols.md section 2).

#include <string>
#include <vector>

namespace gpwatch::sim {

// args: the words after "clinical". Returns the process exit code (0, or 2 for a bad option).
int run_clinical(const std::vector<std::string>& args);

}  // namespace gpwatch::sim
