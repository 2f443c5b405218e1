#pragma once
// One problem in a settings file, as gpwatchd and gpwatch-collector both report it.

#include <string>
#include <vector>

namespace gpwatch {

struct SettingsProblem {
    std::string file;     // the file the problem is in (the settings file or a file it names)
    int line = 0;         // 1-based; 0 when the problem has no line (e.g. file missing)
    int column = 0;       // 1-based; 0 when unknown
    std::string setting;  // dotted path, e.g. organisations.allowed[1].review_within
    std::string message;  // why, in words an IT admin understands

    // "file:line:column: setting: message" (parts that are unknown are left out).
    std::string to_string() const;
};

// Every problem's to_string(), one a line.
std::string problem_lines(const std::vector<SettingsProblem>& problems);

}  // namespace gpwatch
