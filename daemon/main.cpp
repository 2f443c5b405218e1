// gpwatchd: wiring only. Parses the command line, loads the settings, runs the Daemon.
//   gpwatchd --check-config FILE
//   gpwatchd --config FILE [--state-dir DIR] [--log-level LEVEL] [--new-ledger | --accept-rewound-ledger]
// Exit codes: 0 ok, 1 failure that may pass by itself (a full disk at start), 2 bad settings, bad
// usage, or a start refused that an admin must act on (another gpwatchd on the state directory, a
// ledger missing, damaged or behind its high-water record).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/app/start_checks.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace {

constexpr const char* kUsage =
    "usage: gpwatchd --config FILE [--state-dir DIR] [--log-level LEVEL] [--new-ledger | --accept-rewound-ledger]\n"
    "       gpwatchd --check-config FILE\n"
    "\n"
    "  --config FILE       run in the foreground with the controller settings in FILE\n"
    "  --state-dir DIR     keep the ledger, pseudonym key and duty inbox in DIR (overrides state_dir)\n"
    "  --check-config FILE validate FILE: exit 0 if good, 2 naming file, line and setting if not\n"
    "  --log-level LEVEL   trace, debug, info (default), warn, error\n"
    "  --new-ledger        start on a new, empty ledger even though the state directory has run\n"
    "                      gpwatchd before (the ledger there, if any, is kept beside it, renamed)\n"
    "  --accept-rewound-ledger  carry on with a ledger that is behind what gpwatchd had already\n"
    "                      acknowledged or sent (ledger.highwater); one internal alert says what may be lost\n"
    "Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the settings.\n";

int usage_error(const std::string& why) {
    std::cerr << "gpwatchd: " << why << "\n" << kUsage;
    return 2;
}

void print_problems(const gpwatch::SettingsLoad& load) {
    for (const auto& e : load.errors) std::cerr << "error: " << e.to_string() << "\n";
    for (const auto& w : load.warnings) std::cerr << "warning: " << w.to_string() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::string> config, check, state_dir;
    std::string log_level;
    bool new_ledger = false, accept_rewound = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        // The value after an option, or nullopt when the command line ends first.
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--config") {
            if (!(config = value())) return usage_error("--config needs a file");
        } else if (arg == "--check-config") {
            if (!(check = value())) return usage_error("--check-config needs a file");
        } else if (arg == "--state-dir") {
            if (!(state_dir = value())) return usage_error("--state-dir needs a directory");
        } else if (arg == "--new-ledger") {
            new_ledger = true;
        } else if (arg == "--accept-rewound-ledger") {
            accept_rewound = true;
        } else if (arg == "--log-level") {
            auto v = value();
            if (!v) return usage_error("--log-level needs a level");
            log_level = *v;
        } else {
            return usage_error("unknown argument '" + arg + "'");
        }
    }

    if (check) {
        auto load = gpwatch::load_settings_file(*check);
        // Valid settings are ones gpwatchd starts with: what start and the clients would refuse counts too.
        if (load.settings) load.errors = gpwatch::start_problems(*load.settings);
        if (!load.errors.empty()) load.settings.reset();
        print_problems(load);
        if (!load.settings) {
            std::cerr << *check << ": " << load.errors.size() << " error(s); settings not valid\n";
            return 2;
        }
        std::cout << *check << ": settings are valid";
        if (!load.warnings.empty()) std::cout << " (" << load.warnings.size() << " warning(s))";
        std::cout << "\n";
        return 0;
    }
    if (!config) return usage_error("--config FILE or --check-config FILE is required");
    if (new_ledger && accept_rewound)
        return usage_error("--new-ledger and --accept-rewound-ledger exclude each other: start afresh, or carry on");

    if (!gpwatch::setup_logging("gpwatchd", log_level))
        return usage_error("unknown log level '" + (log_level.empty() ? std::string(std::getenv("GPWATCH_LOG_LEVEL")) : log_level) +
                           "' (from " + (log_level.empty() ? "GPWATCH_LOG_LEVEL" : "--log-level") +
                           "): use trace, debug, info, warn, error, critical or off");
    auto load = gpwatch::load_settings_file(*config);
    for (const auto& w : load.warnings) spdlog::warn("{}", w.to_string());
    if (!load.settings) {
        for (const auto& e : load.errors) spdlog::error("{}", e.to_string());
        spdlog::error("{}: {} error(s); not starting", *config, load.errors.size());
        return 2;
    }
    try {
        gpwatch::Daemon daemon({*config, state_dir, new_ledger, accept_rewound}, std::move(*load.settings));
        const int rc = daemon.run();
        if (daemon.threads_left()) {
            // A sink's thread is still inside a hung delivery: tearing down the logger and TLS
            // libraries under it could crash the exit. Everything is committed; end here.
            spdlog::default_logger()->flush();
            std::fflush(nullptr);
            std::_Exit(rc);
        }
        return rc;
    } catch (const gpwatch::StartRefused& e) {
        spdlog::critical("not starting: {}", e.what());
        return 2;
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        return 1;
    }
}
