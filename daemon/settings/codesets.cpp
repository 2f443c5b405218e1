#include "daemon/settings/codesets.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace gpwatch::settings_detail {

namespace {

namespace fs = std::filesystem;

bool is_code_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':'; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// A code set file is small (a few thousand codes at most); anything far larger is a mistake.
constexpr std::uintmax_t kMaxCodeSetBytes = 16 * 1024 * 1024;

}  // namespace

CodeSetParse parse_codeset(const std::string& text, const std::string& name, const std::string& file_name) {
    CodeSetParse out;
    out.set.name = name;
    out.set.file = file_name;
    std::map<std::string, int> first_line;
    std::istringstream in(text);
    std::string raw;
    int line_no = 0;
    const std::string setting = "codesets." + name;
    while (std::getline(in, raw)) {
        ++line_no;
        std::string_view line = raw;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        std::size_t start = 0;
        while (start < line.size() && is_space(line[start])) ++start;
        std::size_t end = line.size();
        while (end > start && is_space(line[end - 1])) --end;
        if (start == end) continue;
        const std::string_view word = line.substr(start, end - start);
        const auto bad = std::find_if(word.begin(), word.end(), [](char c) { return !is_code_char(c); });
        if (bad != word.end()) {
            const bool spaced = is_space(*bad);
            out.errors.push_back({file_name, line_no, static_cast<int>(start + (bad - word.begin())) + 1, setting,
                                  spaced ? "'" + std::string(word) +
                                               "' is more than one code: write one code a line, and put its "
                                               "meaning after '#' (e.g. 827241000000103  # Type 1 opt-out)"
                                         : "'" + std::string(word) + "' is not a code (a code is one word of "
                                               "letters and digits, e.g. 827241000000103)"});
            continue;
        }
        if (const auto [it, fresh] = first_line.emplace(std::string(word), line_no); !fresh) {
            out.warnings.push_back({file_name, line_no, static_cast<int>(start) + 1, setting,
                                    std::string(word) + " is listed twice (first on line " +
                                        std::to_string(it->second) + ")"});
            continue;
        }
        out.set.codes.emplace_back(word);
    }
    std::sort(out.set.codes.begin(), out.set.codes.end());
    if (out.set.codes.empty() && out.errors.empty())
        out.warnings.push_back({file_name, 0, 0, setting, "the code set lists no codes; a rule on it never matches"});
    return out;
}

CodeSetsLoad load_codesets_dir(const std::string& dir, const std::string& setting) {
    CodeSetsLoad out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        out.errors.push_back({dir, 0, 0, setting, "the code set directory '" + dir + "' does not exist or is not a directory"});
        return out;
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".txt") files.push_back(it->path());
    if (ec) {
        out.errors.push_back({dir, 0, 0, setting, "cannot list the code set directory '" + dir + "': " + ec.message()});
        return out;
    }
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
        const std::string file = p.string();
        const auto size = fs::file_size(p, ec);
        if (ec || size > kMaxCodeSetBytes) {
            out.errors.push_back({file, 0, 0, setting,
                                  ec ? "cannot read the code set file: " + ec.message()
                                     : "the code set file is larger than 16 MiB; is it the right file?"});
            continue;
        }
        std::ifstream in(file, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        if (!in) {
            out.errors.push_back({file, 0, 0, setting, "cannot read the code set file"});
            continue;
        }
        auto parsed = parse_codeset(ss.str(), p.stem().string(), file);
        for (auto& e : parsed.errors) out.errors.push_back(std::move(e));
        for (auto& w : parsed.warnings) out.warnings.push_back(std::move(w));
        out.sets.push_back(std::move(parsed.set));
    }
    return out;
}

}  // namespace gpwatch::settings_detail
