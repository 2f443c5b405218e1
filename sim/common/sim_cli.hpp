#pragma once
// Command-line helpers shared by the simulators' option parsers (clinical_options, mesh_options):
// the error type, "--name value" / "--name=value" walking, and checked number parsing, so both
// sub-commands accept and reject words the same way.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpwatch::sim {

// A bad command line; what() names the option.
struct OptionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Walks the words of a command line one option at a time:
//   for (OptionCursor arg(args); arg.next();) { if (arg.name() == "--port") port = arg.value(); ... }
// "--name=value" is split at the first '='; otherwise the value is the following word.
class OptionCursor {
public:
    explicit OptionCursor(const std::vector<std::string>& args) : args_(args) {}

    // Moves to the next option; false when none is left.
    bool next();
    // The option's name ("--port"), without any "=value".
    const std::string& name() const { return name_; }
    // The whole word as typed, for "unknown option" messages.
    const std::string& word() const { return args_[index_]; }
    // For an option that takes no value: throws when one was given with '='.
    void flag() const;
    // The option's value: the part after '=', or the next word (consumed). Throws when missing.
    std::string value();

private:
    const std::vector<std::string>& args_;
    std::size_t index_ = 0;
    std::size_t next_ = 0;
    std::string name_;
    std::optional<std::string> inline_value_;
};

// A finite number; throws OptionError naming `option` otherwise.
double parse_number(const std::string& option, const std::string& text);

// A non-negative whole number; throws OptionError naming `option` otherwise.
std::uint64_t parse_whole(const std::string& option, const std::string& text);

// A positive duration like 5d, 2h, 10m, 30s or 500ms (a bare number is seconds); throws
// OptionError naming `option` otherwise.
std::chrono::milliseconds parse_duration(const std::string& option, const std::string& text);

// `value` unchanged; throws OptionError naming `option` when it is empty.
std::string non_empty(const std::string& option, std::string value);

// The options both simulators take with one meaning, for any Options with the fields help, rate,
// count, seed, journal, chaos and backdate: handles `arg` and returns true when it is one of them
// (--help/-h, --rate, --count, --seed, --journal, --chaos, --backdate), false otherwise. --rate
// must be > 0 and <= `max_rate`; `per_second` words its unit ("events", "messages").
template <class Options>
bool parse_traffic_option(OptionCursor& arg, Options& o, std::uint32_t max_rate, const char* per_second) {
    const std::string& name = arg.name();
    if (name == "--help" || name == "-h") {
        arg.flag();
        o.help = true;
    } else if (name == "--rate") {
        o.rate = parse_number(name, arg.value());
        if (o.rate <= 0 || o.rate > max_rate)
            throw OptionError("--rate: must be > 0 and <= " + std::to_string(max_rate) + " " + per_second +
                              " per second");
    } else if (name == "--count") {
        o.count = parse_whole(name, arg.value());
    } else if (name == "--seed") {
        o.seed = parse_whole(name, arg.value());
    } else if (name == "--journal") {
        o.journal = non_empty(name, arg.value());
    } else if (name == "--chaos") {
        arg.flag();
        o.chaos = true;
    } else if (name == "--backdate") {
        o.backdate = parse_duration(name, arg.value());
    } else {
        return false;
    }
    return true;
}

// The start of every sub-command: parses `args` into `options` with `parse`. A bad option prints
// "gpwatch-sim <command>: <why>" and the usage on stderr and returns exit code 2; --help (an
// Options::help flag) prints the usage on stdout and returns 0; otherwise returns nothing.
template <class Options>
std::optional<int> parse_or_exit(const char* command, const std::vector<std::string>& args,
                                 Options (*parse)(const std::vector<std::string>&), const char* usage,
                                 Options& options) {
    try {
        options = parse(args);
    } catch (const OptionError& e) {
        std::cerr << "gpwatch-sim " << command << ": " << e.what() << "\n" << usage;
        return 2;
    }
    if (options.help) {
        std::cout << usage;
        return 0;
    }
    return std::nullopt;
}

}  // namespace gpwatch::sim
