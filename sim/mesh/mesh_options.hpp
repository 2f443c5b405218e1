#pragma once
// The command line of `gpwatch-sim mesh`. Every default matches config/gpwatchd.yaml's demo MESH
// settings, so `gpwatch-sim mesh` and the shipped daemon config find each other.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/common/sim_cli.hpp"  // OptionError

namespace gpwatch::sim {

struct MeshOptions {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8444;  // 0: an ephemeral port, shown in the listening line
    std::string mailbox = "C84001OT001";
    std::string password = "gpwatch-sim-password";
    std::string shared_secret = "gpwatch-sim-shared-secret";
    std::string state_dir = "/tmp/gpwatch-sim/mesh";  // ca.pem, server and client certificates
    double rate = 0.5;         // messages per second arriving in the inbox
    std::uint64_t count = 0;   // 0: unlimited
    std::optional<std::uint64_t> seed;
    std::string journal;
    std::chrono::milliseconds expire_after = std::chrono::hours(24 * 5);
    bool chaos = false;
    // Every time written into a message (and its MESH headers) lies this far in the past:
    // last week's traffic replayed, as a mailbox holds it after a long outage.
    std::chrono::milliseconds backdate{0};
    // When set, every DATA message's payload is also written to DIR/<message id>: what the
    // mailbox held, for an audit of where patient data went (the LMC privacy test reads it).
    std::string keep_bodies_dir;
    // When set, write the Update Record test messages (tests/data/update_record/) into DIR as
    // NAME.xml and NAME.json, then exit: no server, no certificates.
    std::string write_fixtures_dir;
    bool help = false;
};

// args: the words after "mesh". Accepts "--name value" and "--name=value".
MeshOptions parse_mesh_options(const std::vector<std::string>& args);

const char* mesh_usage();

}  // namespace gpwatch::sim
