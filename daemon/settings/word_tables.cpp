#include "daemon/settings/word_tables.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace gpwatch::settings_detail {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxTableBytes = 1024 * 1024;  // a word table is a few kilobytes
constexpr const char* kInstalledDir = "/usr/share/gpwatch/words";

std::string trim(std::string_view s) {
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return std::string(s.substr(a, b - a));
}

void read_table(const fs::path& file, const std::string& setting, std::map<std::string, std::string>& into,
                WordTablesLoad& out) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) {
        out.errors.push_back({file.string(), 0, 0, setting, "cannot read the word table: " + ec.message()});
        return;
    }
    if (size > kMaxTableBytes) {
        out.errors.push_back({file.string(), 0, 0, setting, "the word table is larger than 1 MiB; is it the right file?"});
        return;
    }
    std::ifstream in(file);
    std::string raw;
    int line_no = 0;
    while (std::getline(in, raw)) {
        ++line_no;
        std::string_view line = raw;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        const std::string text = trim(line);
        if (text.empty()) continue;
        std::size_t gap = 0;
        while (gap < text.size() && !std::isspace(static_cast<unsigned char>(text[gap]))) ++gap;
        const std::string key = text.substr(0, gap);
        const std::string words = trim(std::string_view(text).substr(gap));
        if (words.empty()) {
            out.errors.push_back({file.string(), line_no, 1, setting,
                                  "'" + key + "' has no words after it (write e.g. R8001  nurse)"});
            continue;
        }
        if (!into.emplace(key, words).second)
            out.warnings.push_back({file.string(), line_no, 1, setting, key + " is listed twice; the first stands"});
    }
}

}  // namespace

WordTablesLoad load_word_tables(const std::string& dir, const std::string& setting) {
    WordTablesLoad out;
    out.tables.dir = dir;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        out.errors.push_back({dir, 0, 0, setting, "the word table directory '" + dir + "' does not exist"});
        return out;
    }
    read_table(fs::path(dir) / "record-types.txt", setting, out.tables.record_types, out);
    read_table(fs::path(dir) / "job-roles.txt", setting, out.tables.job_roles, out);
    return out;
}

std::string default_words_dir(const std::string& settings_dir) {
    std::error_code ec;
    for (const fs::path& d : {fs::path(settings_dir) / "words", fs::path(kInstalledDir)})
        if (fs::exists(d / "record-types.txt", ec) && fs::exists(d / "job-roles.txt", ec)) return d.string();
    return "";
}

}  // namespace gpwatch::settings_detail
