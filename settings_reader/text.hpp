#pragma once
// Small pieces of wording and file handling every settings reader needs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace gpwatch::settings_reader {

using Keys = std::vector<std::string_view>;

std::string trim(std::string_view s);

// true/yes/on or false/no/off, in any case; nullopt for anything else.
std::optional<bool> parse_flag(std::string_view s);

// "a, b, c": the keys (or names) a message lists.
std::string words(const Keys& keys);

// The candidate closest to `word` if it is close enough to be a likely typo.
std::optional<std::string> nearest(std::string_view word, const Keys& candidates);

// A path as written in the settings: relative ones resolve against base_dir (the settings file's
// directory); an empty base_dir leaves them relative.
std::string resolve_path(const std::string& base_dir, const std::string& path);

// Reads all of `path` into `into`; nullopt when it could, else why not ("it is a directory, not a
// file", the system's reason).
std::optional<std::string> read_whole_file(const std::string& path, std::string& into);

// What a node is, for "should be X, but is <kind_of>".
std::string kind_of(const YAML::Node& n);

// "a.b" (or "b" at the top level, where path is empty).
std::string join(const std::string& path, std::string_view key);

}  // namespace gpwatch::settings_reader
