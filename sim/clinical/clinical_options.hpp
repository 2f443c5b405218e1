#pragma once
// The command line of `gpwatch-sim clinical`. Every option has a default that works with
// config/gpwatchd.yaml as shipped.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/common/sim_cli.hpp"  // OptionError

namespace gpwatch::sim {

struct ClinicalOptions {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8443;  // 0: an ephemeral port, shown in the listening line
    std::string token = "gpwatch-sim-token";
    std::string practice = "C84001";
    std::string cert_dir = "/tmp/gpwatch-sim";
    std::string cert_file;  // with key_file: serve this certificate instead of making one
    std::string key_file;
    double rate = 2;
    std::uint64_t count = 0;  // 0: unlimited
    std::optional<std::uint64_t> seed;
    std::string journal;
    // The MESH simulator's journal: every Update Record delivered there is reviewed (filed or
    // rejected, item.kind "update-record") as outside writes are. Empty: none.
    std::string update_records;
    bool chaos = false;
    // Every event time (and entry time) lies this far in the past: last week's traffic
    // replayed, as the feed sends it when a subscriber catches up after an outage.
    std::chrono::milliseconds backdate{0};
    // Every Nth event is stamped with a time that cannot be right (2099, 0001, 0000, 1900, 9999,
    // 1970 in turn), as a sender with a broken clock would: what gpwatchd must not trust. 0: none.
    std::uint64_t lying_times = 0;
    double heartbeat = 5;
    double review_min = 5;
    double review_max = 40;
    bool help = false;
};

// args: the words after "clinical". Accepts "--name value" and "--name=value".
ClinicalOptions parse_clinical_options(const std::vector<std::string>& args);

const char* clinical_usage();

}  // namespace gpwatch::sim
