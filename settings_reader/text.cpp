#include "settings_reader/text.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gpwatch::settings_reader {

namespace fs = std::filesystem;

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string trim(std::string_view s) {
    const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return std::string(s);
}

std::optional<bool> parse_flag(std::string_view s) {
    std::string v(s);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    return std::nullopt;
}

std::string words(const Keys& keys) {
    std::string s;
    for (auto k : keys) s += (s.empty() ? "" : ", ") + std::string(k);
    return s;
}

std::optional<std::string> nearest(std::string_view word, const Keys& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (auto c : candidates) {
        const std::size_t d = edit_distance(word, c);
        const std::size_t allowed = std::max<std::size_t>(2, c.size() / 4);
        if (d <= allowed && (!best || d < best_distance)) best = std::string(c), best_distance = d;
    }
    return best;
}

std::string resolve_path(const std::string& base_dir, const std::string& p) {
    const fs::path path(p);
    if (path.is_absolute() || base_dir.empty()) return path.lexically_normal().string();
    return (fs::path(base_dir) / path).lexically_normal().string();
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& into) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return "it is a directory, not a file";
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::string(errno != 0 ? std::strerror(errno) : "cannot open it");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::string("read error");
    into = ss.str();
    return std::nullopt;
}

std::string kind_of(const YAML::Node& n) {
    if (n.IsMap()) return "a map (indented 'key: value' lines)";
    if (n.IsSequence()) return "a list (lines starting with '- ')";
    if (n.IsScalar()) return "a single value ('" + n.Scalar() + "')";
    return "empty";
}

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

}  // namespace gpwatch::settings_reader
