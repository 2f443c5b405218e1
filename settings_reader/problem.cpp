#include "settings_reader/problem.hpp"

namespace gpwatch {

std::string SettingsProblem::to_string() const {
    std::string s = file;
    if (line > 0) {
        s += ":" + std::to_string(line);
        if (column > 0) s += ":" + std::to_string(column);
    }
    if (!s.empty()) s += ": ";
    if (!setting.empty()) s += setting + ": ";
    return s + message;
}

std::string problem_lines(const std::vector<SettingsProblem>& problems) {
    std::string text;
    for (const auto& p : problems) {
        if (!text.empty()) text += "\n";
        text += p.to_string();
    }
    return text;
}

}  // namespace gpwatch
