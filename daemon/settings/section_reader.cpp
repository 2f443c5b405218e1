#include "daemon/settings/section_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "daemon/settings/value_checks.hpp"

namespace gpwatch::settings_detail {

namespace fs = std::filesystem;

namespace {

SettingsError at(const std::string& file, const YAML::Node& n, const std::string& setting, const std::string& msg) {
    const auto m = n.Mark();
    return {file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, setting, msg};
}

}  // namespace

std::string words(const Keys& keys) {
    std::string s;
    for (auto k : keys) s += (s.empty() ? "" : ", ") + std::string(k);
    return s;
}

std::string resolve_path(const std::string& base_dir, const std::string& p) {
    const fs::path path(p);
    if (path.is_absolute() || base_dir.empty()) return path.lexically_normal().string();
    return (fs::path(base_dir) / path).lexically_normal().string();
}

void SectionReader::error(const YAML::Node& n, const std::string& setting, const std::string& msg) {
    errors_.push_back(at(file_, n, setting, msg));
}

void SectionReader::warn(const YAML::Node& n, const std::string& setting, const std::string& msg) {
    warnings_.push_back(at(file_, n, setting, msg));
}

bool SectionReader::check_map(const YAML::Node& n, const std::string& path, const Keys& allowed,
                              const std::string& allowed_hint) {
    if (!n.IsMap()) {
        error(n, path, "should be a map of settings (indented 'key: value' lines)");
        return false;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto key = it->first.as<std::string>("");
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
        std::string msg = "unknown setting '" + key + "'";
        if (auto near = nearest(key, allowed))
            msg += " (probably a typo: did you mean '" + *near + "'?)";
        else
            msg += " (allowed here: " + (allowed_hint.empty() ? words(allowed) : allowed_hint) + ")";
        error(it->first, path + "." + key, msg);
    }
    return true;
}

std::optional<std::string> SectionReader::text(const YAML::Node& map, const std::string& path,
                                               const std::string& key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (!v.IsScalar() || trim(v.Scalar()).empty()) {
        error(v, path + "." + key, "should be a single, non-empty value");
        return std::nullopt;
    }
    return v.Scalar();
}

std::optional<bool> SectionReader::flag(const YAML::Node& map, const std::string& path, const std::string& key) {
    return parsed(
        map, path, key,
        [](std::string v) -> std::optional<bool> {
            std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
            if (v == "true" || v == "yes" || v == "on") return true;
            if (v == "false" || v == "no" || v == "off") return false;
            return std::nullopt;
        },
        "is not true or false");
}

std::optional<std::vector<std::string>> SectionReader::list(const YAML::Node& map, const std::string& path,
                                                            const std::string& key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    std::vector<std::string> out;
    if (v.IsScalar()) {
        out.push_back(v.Scalar());
    } else if (v.IsSequence()) {
        for (const auto& item : v) {
            if (!item.IsScalar()) {
                error(item, path + "." + key, "each item should be a single value");
                return std::nullopt;
            }
            out.push_back(item.Scalar());
        }
    } else {
        error(v, path + "." + key, "should be a value or a list of values");
        return std::nullopt;
    }
    return out;
}

std::optional<std::int64_t> SectionReader::count(const YAML::Node& map, const std::string& path,
                                                 const std::string& key, std::int64_t min, std::int64_t max,
                                                 const std::string& unit) {
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

std::optional<std::uint64_t> SectionReader::bytes(const YAML::Node& map, const std::string& path,
                                                  const std::string& key, std::uint64_t min, std::uint64_t max,
                                                  const std::string& complaint) {
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

std::optional<std::chrono::seconds> SectionReader::whole_seconds(const YAML::Node& map, const std::string& path,
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

}  // namespace gpwatch::settings_detail
