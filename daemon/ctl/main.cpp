// gpwatchctl: reads what gpwatchd's ledger holds, safely while gpwatchd runs (read-only SQLite
// connection; WAL lets it read a consistent snapshot without blocking the daemon).
//   gpwatchctl --config FILE [--state-dir DIR] writes [--unreviewed] [--json]
//   gpwatchctl --config FILE [--state-dir DIR] alerts [--json]
//   gpwatchctl --config FILE [--state-dir DIR] status [--json]
// Exit codes: 0 ok, 1 the ledger cannot be read, 2 bad usage or bad settings.

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/listing.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace {

constexpr const char* kUsage =
    "usage: gpwatchctl --config FILE [--state-dir DIR] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  writes [--unreviewed] [--json]   third-party writes in the ledger, their verdicts and review state\n"
    "  alerts [--json]                  alerts raised and their delivery state\n"
    "  status [--json]                  feed cursors and counts of writes and alerts\n"
    "\n"
    "  --json  one JSON object per line, for scripts\n";

int usage_error(const std::string& why) {
    std::cerr << "gpwatchctl: " << why << "\n" << kUsage;
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::string> config, state_dir;
    std::string command;
    bool json = false, unreviewed = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--config" && i + 1 < argc) {
            config = argv[++i];
        } else if (arg == "--state-dir" && i + 1 < argc) {
            state_dir = argv[++i];
        } else if (arg == "--json") {
            json = true;
        } else if (arg == "--unreviewed") {
            unreviewed = true;
        } else if (command.empty() && (arg == "writes" || arg == "alerts" || arg == "status")) {
            command = arg;
        } else {
            return usage_error("unknown or incomplete argument '" + arg + "'");
        }
    }
    if (!config) return usage_error("--config FILE is required (it says where the state directory is)");
    if (command.empty()) return usage_error("a command is required");
    if (unreviewed && command != "writes") return usage_error("--unreviewed applies to 'writes' only");

    // The settings only say where the state directory is. With --state-dir given, a broken
    // settings file must not stop an admin reading the ledger (that is when they need it most).
    auto load = gpwatch::load_settings_file(*config);
    if (!load.settings) {
        for (const auto& e : load.errors) std::cerr << (state_dir ? "warning: " : "error: ") << e.to_string() << "\n";
        if (!state_dir) return 2;
        std::cerr << "warning: the settings are not valid; reading the ledger in " << *state_dir << " anyway\n";
    }
    namespace fs = std::filesystem;
    const std::string dir = state_dir ? *state_dir : load.settings->state_dir;
    try {
        gpwatch::Ledger ledger((fs::path(dir) / "ledger.sqlite").string(), gpwatch::Ledger::Access::read_only);
        if (command == "writes") {
            // The same key as gpwatchd, so pseudonyms here match the daemon's log lines.
            auto key_path = (fs::path(dir) / "pseudonym.key").string();
            auto pseudonymiser = fs::exists(key_path) ? gpwatch::Pseudonymiser::from_key_file(key_path)
                                                      : gpwatch::Pseudonymiser("no key: pseudonyms differ from the log");
            auto writes = ledger.list_writes(unreviewed);
            if (json) gpwatch::ctl::print_writes_json(std::cout, writes, pseudonymiser);
            else gpwatch::ctl::print_writes_table(std::cout, writes, pseudonymiser);
        } else if (command == "status") {
            auto st = ledger.status();
            if (json) gpwatch::ctl::print_status_json(std::cout, st);
            else gpwatch::ctl::print_status_text(std::cout, st);
        } else {
            auto alerts = ledger.list_alerts();
            if (json) gpwatch::ctl::print_alerts_json(std::cout, alerts);
            else gpwatch::ctl::print_alerts_table(std::cout, alerts);
        }
    } catch (const std::exception& e) {
        std::cerr << "gpwatchctl: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
