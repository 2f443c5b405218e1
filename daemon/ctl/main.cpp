// gpwatchctl: reads what gpwatchd's ledger holds, safely while gpwatchd runs (read-only SQLite
// connection; WAL lets it read a consistent snapshot without blocking the daemon).
//   gpwatchctl --config FILE [--state-dir DIR] writes [--unreviewed] [--json]
//   gpwatchctl --config FILE [--state-dir DIR] alerts [--json]
//   gpwatchctl --config FILE [--state-dir DIR] status [--json]
//   gpwatchctl --config FILE [--state-dir DIR] conditions [--json]
//   gpwatchctl --config FILE [--state-dir DIR] mesh [--json]
//   gpwatchctl --config FILE [--state-dir DIR] silence add|list|expire ...   (daemon/ctl/silence.hpp)
//   gpwatchctl --config FILE [--state-dir DIR] report show|list|public-key ...   (daemon/ctl/report.hpp)
//   gpwatchctl --config FILE explain FILE...   (no ledger: the settings' verdicts on given messages)
// Exit codes: 0 ok, 1 the ledger cannot be read (explain: a file did not parse), 2 bad usage or
// bad settings.

#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/explain.hpp"
#include "daemon/ctl/listing.hpp"
#include "daemon/ctl/report.hpp"
#include "daemon/ctl/silence.hpp"
#include "daemon/ctl/status.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/privacy/pseudonymiser.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace {

constexpr const char* kUsage =
    "usage: gpwatchctl --config FILE [--state-dir DIR] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  writes [--unreviewed] [--json]   third-party writes in the ledger, their verdicts and review state\n"
    "  alerts [--json]                  alerts raised and their delivery state\n"
    "  status [--json]                  whether gpwatchd runs and how it is (feed, MESH, sinks), feed\n"
    "                                   cursors, counts of writes, alerts, deliveries and silences\n"
    "  conditions [--json]              internal conditions on now (feed disconnected, disk nearly full...)\n"
    "  mesh [--json]                    messages taken from the MESH mailbox and what each turned out to be\n"
    "  explain FILE...                  how gpwatchd would read and judge each file (an Update Record\n"
    "                                   message, XML or JSON, or one clinical-feed event as JSON) under\n"
    "                                   the settings: one JSON object per line; exit 1 if any did not parse\n"
    "  silence add (--org CODE | --reason R) --until TIME --comment TEXT\n"
    "                                   record but do not deliver matching alerts until TIME (2h, 3d,\n"
    "                                   2026-12-01T18:00 practice time, or ...Z for UTC)\n"
    "  silence list [--json]            silences, their state and how many alerts each held back\n"
    "  silence expire ID                end a silence now\n"
    "  report show [--period YYYY-Www] [--json|--csv]\n"
    "                                   the LMC report of a week exactly as it would be sent (default:\n"
    "                                   the most recent closed week); redacted counts show as redacted\n"
    "  report list [--json]             LMC report revisions recorded and their delivery state\n"
    "  report public-key                the public key and key id the LMC registers for this practice\n"
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
    std::vector<std::string> files;  // explain's arguments
    std::vector<std::string> silence_args;  // everything after "silence" (or "report")
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
        } else if (command.empty() && (arg == "writes" || arg == "alerts" || arg == "status" || arg == "conditions" || arg == "mesh" ||
                                     arg == "explain")) {
            command = arg;
        } else if (command.empty() && (arg == "silence" || arg == "report")) {
            command = arg;
            silence_args.assign(argv + i + 1, argv + argc);
            break;
        } else if (command == "explain" && !arg.starts_with("--")) {
            files.push_back(arg);
        } else {
            return usage_error("unknown or incomplete argument '" + arg + "'");
        }
    }
    if (!config) return usage_error("--config FILE is required (it says where the state directory is)");
    if (command.empty()) return usage_error("a command is required");
    if (unreviewed && command != "writes") return usage_error("--unreviewed applies to 'writes' only");
    if (command == "explain") {
        if (files.empty()) return usage_error("explain needs at least one FILE");
        // Verdicts depend on every setting: explain needs valid settings, never a fallback.
        auto load = gpwatch::load_settings_file(*config);
        for (const auto& e : load.errors) std::cerr << "error: " << e.to_string() << "\n";
        if (!load.settings) return 2;
        return gpwatch::ctl::explain_files(*load.settings, files, std::cout, std::cerr);
    }

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
    if (command == "silence")
        return gpwatch::ctl::run_silence(silence_args, (fs::path(dir) / "ledger.sqlite").string(),
                                         load.settings ? &*load.settings : nullptr, std::cout, std::cerr);
    if (command == "report")
        return gpwatch::ctl::run_report(silence_args, (fs::path(dir) / "ledger.sqlite").string(),
                                        load.settings ? &*load.settings : nullptr, std::time(nullptr), std::cout,
                                        std::cerr);
    try {
        gpwatch::Ledger ledger((fs::path(dir) / "ledger.sqlite").string(), gpwatch::Ledger::Access::read_only);
        if (command == "writes") {
            // The same key as gpwatchd, so pseudonyms here match the daemon's log lines.
            auto key_path = (fs::path(dir) / "pseudonym.key").string();
            auto pseudonymiser = fs::exists(key_path) ? gpwatch::Pseudonymiser::from_key_file(key_path)
                                                      : gpwatch::Pseudonymiser("no key: pseudonyms differ from the log");
            gpwatch::WriteQuery query;
            query.unreviewed_only = unreviewed;
            auto writes = gpwatch::LedgerReader(ledger).writes(query);
            if (json) gpwatch::ctl::print_writes_json(std::cout, writes, pseudonymiser);
            else gpwatch::ctl::print_writes_table(std::cout, writes, pseudonymiser);
        } else if (command == "mesh") {
            auto rows = gpwatch::LedgerReader(ledger).mesh_messages();
            if (json) gpwatch::ctl::print_mesh_json(std::cout, rows);
            else gpwatch::ctl::print_mesh_table(std::cout, rows);
        } else if (command == "status") {
            gpwatch::ctl::print_status(std::cout, ledger, load.settings ? &*load.settings : nullptr, dir, json,
                                       std::time(nullptr));
        } else if (command == "conditions") {
            gpwatch::ctl::print_conditions(std::cout, ledger, load.settings ? &*load.settings : nullptr, dir, json,
                                           std::time(nullptr));
        } else {
            // Every alert: about writes, about gpwatchd itself (internal) and digests.
            auto alerts = gpwatch::LedgerReader(ledger).alerts();
            if (json) gpwatch::ctl::print_alerts_json(std::cout, alerts);
            else gpwatch::ctl::print_alerts_table(std::cout, alerts);
        }
    } catch (const std::exception& e) {
        std::cerr << "gpwatchctl: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
