#pragma once
// `gpwatch-sim mesh`: the MESH mailbox simulator (docs/protocols.md section 1), filling the practice's
// inbox with GP Connect Update Record messages.

#include <string>
#include <vector>

namespace gpwatch::sim {

// args: the words after "mesh". Returns the process exit code (0, 1 on a start failure, 2 for a
// bad option).
int run_mesh(const std::vector<std::string>& args);

}  // namespace gpwatch::sim
