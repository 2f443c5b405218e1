#pragma once
// Code set files (config/codesets/<name>.txt): one code a line, optionally followed by a '#'
// comment (usually the code's meaning); blank lines and comment-only lines are ignored. A code is
// one word of letters, digits, '-', '.', '_' or ':' (SNOMED CT and dm+d codes are digits).

#include <string>
#include <vector>

#include "daemon/settings/settings_loader.hpp"
#include "proto/settings.hpp"

namespace gpwatch::settings_detail {

struct CodeSetParse {
    CodeSet set;                          // codes sorted, unique
    std::vector<SettingsError> errors;    // with the code set file's name and line
    std::vector<SettingsError> warnings;  // e.g. a code listed twice
};

CodeSetParse parse_codeset(const std::string& text, const std::string& name, const std::string& file_name);

// Every "*.txt" in `dir`, by name (the file name without .txt), sorted by name. Errors (the
// directory cannot be read, a bad line) name the file and line; `setting` names the setting
// that pointed at the directory.
struct CodeSetsLoad {
    std::vector<CodeSet> sets;
    std::vector<SettingsError> errors;
    std::vector<SettingsError> warnings;
};
CodeSetsLoad load_codesets_dir(const std::string& dir, const std::string& setting);

}  // namespace gpwatch::settings_detail
