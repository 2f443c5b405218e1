#pragma once
// The command line of gpwatch-collector, parsed into plain data (main.cpp dispatches):
//   gpwatch-collector --config FILE serve [--capture-dir DIR]
//   gpwatch-collector --config FILE register --ods A81001 --public-key FILE.pem [--replace]
//   gpwatch-collector --config FILE practices [--json]
//   gpwatch-collector --config FILE export-csv [--from 2026-W40] [--to 2026-W48]
//   gpwatch-collector --config FILE --check-config
// Exit codes: 0 ok, 1 runtime error, 2 usage or settings error.

#include <string>
#include <vector>

namespace gpwatch::collector {

enum class Command { help, check_config, serve, register_practice, practices, export_csv };

struct CliOptions {
    Command command = Command::help;
    std::string config;
    std::string capture_dir;  // serve
    std::string ods;          // register
    std::string public_key;   // register
    bool replace = false;     // register
    bool json = false;        // practices
    std::string from, to;     // export-csv
};

struct CliParse {
    CliOptions options;
    std::string error;  // non-empty: a usage error, to print with the usage text
};

CliParse parse_cli(const std::vector<std::string>& args);
const char* usage_text();

}  // namespace gpwatch::collector
