#include "settings_reader/map_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gpwatch::settings_reader {

namespace {

SettingsProblem at(const std::string& file, const YAML::Mark& m, const std::string& setting, const std::string& msg) {
    return {file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, setting, msg};
}

}  // namespace

std::string unknown_key_message(std::string_view key, const std::string& path, const Keys& allowed,
                                const UnknownKeyHints& hints, std::optional<std::string>* meant) {
    std::string msg = "is not a setting here: unknown " + std::string(hints.noun) + " '" + std::string(key) + "'";
    auto suggestion = nearest(key, allowed);
    std::optional<std::string> home;
    if (!suggestion && hints.home) home = hints.home(key);
    if (suggestion)
        msg += " (probably a typo: did you mean '" + *suggestion + "'?)";
    else if (home)
        msg += home->empty() ? ": it belongs at the top level, not under '" + path + ":'"
                             : ": it belongs under '" + *home + ":'";
    else
        msg += " (probably a typo; allowed here: " + (hints.allowed.empty() ? words(allowed) : hints.allowed) + ")";
    if (meant) *meant = std::move(suggestion);
    return msg;
}

void MapReader::error(const YAML::Mark& m, const std::string& setting, const std::string& msg) {
    errors_.push_back(at(file_, m, setting, msg));
}

void MapReader::warn(const YAML::Mark& m, const std::string& setting, const std::string& msg) {
    warnings_.push_back(at(file_, m, setting, msg));
}

void MapReader::error(const YAML::Node& n, const std::string& setting, const std::string& msg) {
    error(n.Mark(), setting, msg);
}

void MapReader::warn(const YAML::Node& n, const std::string& setting, const std::string& msg) {
    warn(n.Mark(), setting, msg);
}

std::optional<Entries> MapReader::read_map(const YAML::Node& n, const std::string& path, const Keys& allowed,
                                           const UnknownKeyHints& hints, std::vector<std::string>* typos) {
    if (!n.IsMap()) {
        error(n, path, "should be a map of settings (indented 'key: value' lines), but is " + kind_of(n));
        return std::nullopt;
    }
    Entries out;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            error(key, path, "a setting name must be plain text, not " + kind_of(key));
            continue;
        }
        const std::string name = key.Scalar();
        const auto first = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == name; });
        if (first != out.end()) {
            error(key, join(path, name),
                  "is written twice (first on line " + std::to_string(first->second.key.Mark().line + 1) +
                      "); keep only one");
            continue;
        }
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            std::optional<std::string> meant;
            error(key, join(path, name), unknown_key_message(name, path, allowed, hints, &meant));
            if (meant && typos) typos->push_back(*meant);
            continue;
        }
        out.push_back({name, Entry{key, it->second}});
    }
    return out;
}

bool MapReader::check_map(const YAML::Node& n, const std::string& path, const Keys& allowed,
                          const std::string& allowed_hint) {
    UnknownKeyHints hints;
    hints.allowed = allowed_hint;
    return read_map(n, path, allowed, hints).has_value();
}

std::optional<std::string> MapReader::text(const YAML::Node& map, const std::string& path, const std::string& key,
                                           bool required) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) {
        if (required)
            error(v.IsDefined() ? v : map, join(path, key),
                  path.empty() ? "required setting is missing (add '" + key + ":' at the top level)"
                               : "required setting is missing (add '" + key + ":' under '" + path + ":')");
        return std::nullopt;
    }
    if (!v.IsScalar() || trim(v.Scalar()).empty()) {
        error(v, join(path, key), "should be a single, non-empty value");
        return std::nullopt;
    }
    return v.Scalar();
}

std::optional<bool> MapReader::flag(const YAML::Node& map, const std::string& path, const std::string& key) {
    return parsed(map, path, key, parse_flag, "is not true or false");
}

std::optional<std::vector<std::string>> MapReader::list(const YAML::Node& map, const std::string& path,
                                                        const std::string& key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    std::vector<std::string> out;
    if (v.IsScalar()) {
        out.push_back(v.Scalar());
    } else if (v.IsSequence()) {
        for (const auto& item : v) {
            if (!item.IsScalar()) {
                error(item, join(path, key), "each item should be a single value");
                return std::nullopt;
            }
            out.push_back(item.Scalar());
        }
    } else {
        error(v, join(path, key), "should be a value or a list of values");
        return std::nullopt;
    }
    return out;
}

std::optional<std::int64_t> MapReader::count(const YAML::Node& map, const std::string& path, const std::string& key,
                                             std::int64_t min, std::int64_t max, const std::string& unit) {
    return parsed(
        map, path, key,
        [&](const std::string& t) -> std::optional<std::int64_t> {
            std::int64_t n = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
            if (ec != std::errc{} || end != t.data() + t.size() || n < min || n > max) return std::nullopt;
            return n;
        },
        "should be a whole number" + (unit.empty() ? "" : " of " + unit) + " from " + std::to_string(min) +
            " to " + std::to_string(max));
}

std::optional<std::uint64_t> MapReader::bytes(const YAML::Node& map, const std::string& path, const std::string& key,
                                              std::uint64_t min, std::uint64_t max, const std::string& complaint) {
    return parsed(
        map, path, key,
        [&](const std::string& t) -> std::optional<std::uint64_t> {
            std::uint64_t n = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
            const std::string unit(end, t.data() + t.size());
            const std::uint64_t mult = unit.empty() || unit == "B" ? 1
                                       : unit == "KB"              ? 1024ull
                                       : unit == "MB"              ? 1024ull * 1024
                                       : unit == "GB"              ? 1024ull * 1024 * 1024
                                                                   : 0;
            if (ec != std::errc{} || end == t.data() || mult == 0 || n > max / mult || n * mult < min)
                return std::nullopt;
            return n * mult;
        },
        complaint);
}

std::optional<std::chrono::milliseconds> MapReader::duration(const YAML::Node& map, const std::string& path,
                                                             const std::string& key, std::chrono::milliseconds min,
                                                             std::chrono::milliseconds max,
                                                             const std::string& complaint) {
    return parsed(
        map, path, key,
        [&](const std::string& t) -> std::optional<std::chrono::milliseconds> {
            auto d = parse_duration(t);
            if (!d || *d < min || *d > max) return std::nullopt;
            return d;
        },
        complaint);
}

std::optional<std::chrono::seconds> MapReader::whole_seconds(const YAML::Node& map, const std::string& path,
                                                             const std::string& key, std::chrono::seconds min,
                                                             const std::string& complaint) {
    return parsed(
        map, path, key,
        [&](const std::string& t) -> std::optional<std::chrono::seconds> {
            auto d = parse_duration(t);
            if (!d || d->count() % 1000 != 0) return std::nullopt;
            const auto s = std::chrono::duration_cast<std::chrono::seconds>(*d);
            if (s < min) return std::nullopt;
            return s;
        },
        complaint);
}

std::optional<std::string> MapReader::readable_file(const YAML::Node& map, const std::string& path,
                                                    const std::string& key, bool required) {
    auto t = text(map, path, key, required);
    if (!t) return std::nullopt;
    const std::string resolved = resolve(*t);
    std::string content;
    if (auto why = read_whole_file(resolved, content)) {
        error(map[key], join(path, key), "cannot read '" + resolved + "': " + *why);
        return std::nullopt;
    }
    return resolved;
}

}  // namespace gpwatch::settings_reader
