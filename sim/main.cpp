// gpwatch-sim: simulators of the outside systems gpwatchd talks to. The first argument names
// the simulator; each lives in its own files and takes the remaining arguments.

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "sim/clinical/clinical_sim.hpp"
#include "sim/mesh/mesh_sim.hpp"

namespace {

struct Simulator {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>& args);
};

// Add a simulator here (e.g. "mesh") to make it a sub-command.
const Simulator kSimulators[] = {
    {"clinical", "the clinical-system event feed (wss /feed)", gpwatch::sim::run_clinical},
    {"mesh", "the practice's MESH mailbox with Update Record messages (https /messageexchange)", gpwatch::sim::run_mesh},
};

int usage(std::ostream& out, int code) {
    out << "usage: gpwatch-sim <simulator> [options]\n\nsimulators:\n";
    for (const auto& s : kSimulators) out << "  " << s.name << "  " << s.summary << "\n";
    out << "\n'gpwatch-sim <simulator> --help' lists a simulator's options.\n";
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(std::cerr, 2);
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") return usage(std::cout, 0);
    for (const auto& s : kSimulators)
        if (name == s.name) return s.run(std::vector<std::string>(argv + 2, argv + argc));
    std::cerr << "gpwatch-sim: unknown simulator '" << name << "'\n";
    return usage(std::cerr, 2);
}
