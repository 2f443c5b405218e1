#pragma once
// Reading a settings file straight from yaml-cpp nodes: gpwatchd's loader and its sections
// (daemon/settings) and gpwatch-collector's settings all read through this one class, so a
// problem is placed (file:line:column) and worded the same wherever it is found.
//
// Every reader returns nullopt when the key is absent or empty ("key:" with nothing after it) and
// when the value is wrong; in the second case it has reported why, as an error at the value.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "settings_reader/duration.hpp"
#include "settings_reader/problem.hpp"
#include "settings_reader/text.hpp"

namespace gpwatch::settings_reader {

// One key of a map and its value, as written.
struct Entry {
    YAML::Node key;
    YAML::Node value;
};
using Entries = std::vector<std::pair<std::string, Entry>>;

// What read_map says about keys it does not know.
struct UnknownKeyHints {
    std::string_view noun = "setting";  // "unknown <noun> 'x'": setting, weekday, condition, ...
    std::string allowed;                // listed after "allowed here:"; empty: every allowed key
    // Where a key unknown here belongs instead ("" for the top level), if anywhere.
    std::function<std::optional<std::string>(std::string_view key)> home;
};

// The message for a key that is not in `allowed` (its setting is the key's full dotted path).
// `meant` receives the allowed key it was probably a typo for, if any.
std::string unknown_key_message(std::string_view key, const std::string& path, const Keys& allowed,
                                const UnknownKeyHints& hints, std::optional<std::string>* meant = nullptr);

class MapReader {
public:
    // Errors and warnings are appended to the vectors, which must outlive the reader.
    MapReader(std::string file, std::string base_dir, std::vector<SettingsProblem>& errors,
              std::vector<SettingsProblem>& warnings)
        : file_(std::move(file)), base_dir_(std::move(base_dir)), errors_(errors), warnings_(warnings) {}

    const std::string& file() const { return file_; }
    const std::string& base_dir() const { return base_dir_; }

    // A problem with `setting` (its full dotted name), placed at the node's line and column, or
    // at a mark.
    void error(const YAML::Node& at, const std::string& setting, const std::string& msg);
    void warn(const YAML::Node& at, const std::string& setting, const std::string& msg);
    void error(const YAML::Mark& at, const std::string& setting, const std::string& msg);
    void warn(const YAML::Mark& at, const std::string& setting, const std::string& msg);

    std::string resolve(const std::string& p) const { return resolve_path(base_dir_, p); }

    // The keys of the map `n`, in file order, leaving out (and reporting) keys that are not plain
    // text, written twice, or not in `allowed`. nullopt, reported, if `n` is not a map. `typos`
    // receives the allowed keys that unknown ones were probably meant to be.
    std::optional<Entries> read_map(const YAML::Node& n, const std::string& path, const Keys& allowed,
                                    const UnknownKeyHints& hints = {}, std::vector<std::string>* typos = nullptr);

    // read_map() for a map whose values are then read by key; false if `n` is not a map.
    bool check_map(const YAML::Node& n, const std::string& path, const Keys& allowed,
                   const std::string& allowed_hint = "");

    // A single, non-empty value, as written. `required`: its absence is an error at the map.
    std::optional<std::string> text(const YAML::Node& map, const std::string& path, const std::string& key,
                                    bool required = false);

    // text() turned into a T by `parse` (which returns std::optional<T>); when it gives nullopt,
    // reports "'<value>' <complaint>".
    template <class Parse>
    auto parsed(const YAML::Node& map, const std::string& path, const std::string& key, Parse parse,
                const std::string& complaint) -> decltype(parse(std::string{})) {
        auto t = text(map, path, key);
        if (!t) return std::nullopt;
        auto v = parse(*t);
        if (!v) error(map[key], join(path, key), "'" + *t + "' " + complaint);
        return v;
    }

    // true/yes/on or false/no/off, in any case.
    std::optional<bool> flag(const YAML::Node& map, const std::string& path, const std::string& key);

    // A single value or a list of single values.
    std::optional<std::vector<std::string>> list(const YAML::Node& map, const std::string& path,
                                                 const std::string& key);

    // A whole number from min to max; `unit` ("weeks") goes into the message when given.
    std::optional<std::int64_t> count(const YAML::Node& map, const std::string& path, const std::string& key,
                                      std::int64_t min, std::int64_t max, const std::string& unit = "");

    // A size in bytes from min to max: "512MB", "2GB", "64KB", "1048576".
    std::optional<std::uint64_t> bytes(const YAML::Node& map, const std::string& path, const std::string& key,
                                       std::uint64_t min, std::uint64_t max, const std::string& complaint);

    // A duration (parse_duration: 45s, 30m, 1h30m) from min to max.
    std::optional<std::chrono::milliseconds> duration(const YAML::Node& map, const std::string& path,
                                                      const std::string& key, std::chrono::milliseconds min,
                                                      std::chrono::milliseconds max, const std::string& complaint);

    // The same in whole seconds, at least `min`.
    std::optional<std::chrono::seconds> whole_seconds(const YAML::Node& map, const std::string& path,
                                                      const std::string& key, std::chrono::seconds min,
                                                      const std::string& complaint);

    // A path (resolved) to a file that can be read now: "cannot read '<path>': <why>" if not.
    std::optional<std::string> readable_file(const YAML::Node& map, const std::string& path,
                                             const std::string& key, bool required);

private:
    std::string file_;
    std::string base_dir_;
    std::vector<SettingsProblem>& errors_;
    std::vector<SettingsProblem>& warnings_;
};

}  // namespace gpwatch::settings_reader
