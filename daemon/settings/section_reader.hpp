#pragma once
// Reading one section of the settings file straight from yaml-cpp nodes, for the sections that
// live in files of their own (delivery_section.cpp, mesh_section.cpp, reporting_section.cpp).
//
// Why it exists: each of those files used to carry its own copy of these readers, and the copies
// had begun to drift. One copy keeps their wording and their file:line:column places the same in
// every section. settings_loader.cpp reads the core sections with a reader of its own (it also
// reports keys written twice and keys that belong in another section) and takes only words() and
// resolve_path() from here.
//
// Every reader returns nullopt when the key is absent or empty ("key:" with nothing after it) and
// when the value is wrong; in the second case it has reported why, as an error at the value.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/settings/settings_loader.hpp"

namespace gpwatch::settings_detail {

using Keys = std::vector<std::string_view>;

// "a, b, c": the keys (or names) a message lists.
std::string words(const Keys& keys);

// A path as written in the settings: relative ones resolve against base_dir (the settings file's
// directory); an empty base_dir leaves them relative.
std::string resolve_path(const std::string& base_dir, const std::string& path);

class SectionReader {
public:
    // Errors and warnings are appended to the vectors, which must outlive the reader.
    SectionReader(std::string file, std::string base_dir, std::vector<SettingsError>& errors,
                  std::vector<SettingsError>& warnings)
        : file_(std::move(file)), base_dir_(std::move(base_dir)), errors_(errors), warnings_(warnings) {}

    // A problem with `setting` (its full dotted name), placed at the node's line and column.
    void error(const YAML::Node& at, const std::string& setting, const std::string& msg);
    void warn(const YAML::Node& at, const std::string& setting, const std::string& msg);

    std::string resolve(const std::string& p) const { return resolve_path(base_dir_, p); }

    // Reports the keys of `n` that are not in `allowed` (with a "did you mean" for a likely typo,
    // else "allowed here: <allowed_hint>", by default every allowed key); false if `n` is not a map.
    bool check_map(const YAML::Node& n, const std::string& path, const Keys& allowed,
                   const std::string& allowed_hint = "");

    // A single, non-empty value, as written.
    std::optional<std::string> text(const YAML::Node& map, const std::string& path, const std::string& key);

    // text() turned into a T by `parse` (which returns std::optional<T>); when it gives nullopt,
    // reports "'<value>' <complaint>".
    template <class Parse>
    auto parsed(const YAML::Node& map, const std::string& path, const std::string& key, Parse parse,
                const std::string& complaint) -> decltype(parse(std::string{})) {
        auto t = text(map, path, key);
        if (!t) return std::nullopt;
        auto v = parse(*t);
        if (!v) error(map[key], path + "." + key, "'" + *t + "' " + complaint);
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

    // A duration (parse_duration: 45s, 30m, 1h30m) in whole seconds, at least `min`.
    std::optional<std::chrono::seconds> whole_seconds(const YAML::Node& map, const std::string& path,
                                                      const std::string& key, std::chrono::seconds min,
                                                      const std::string& complaint);

private:
    std::string file_;
    std::string base_dir_;
    std::vector<SettingsError>& errors_;
    std::vector<SettingsError>& warnings_;
};

}  // namespace gpwatch::settings_detail
