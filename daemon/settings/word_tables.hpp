#pragma once
// The word tables gpwatch ships as data (config/words/, installed under /usr/share/gpwatch/words):
// record-types.txt (FHIR resource type -> words) and job-roles.txt (SDS job role code -> words).
// One entry a line: the key, white space, the words; '#' starts a comment. Alerts use them so a
// GP reads "nurse" and "document", not "R8001" and "DocumentReference".

#include <string>
#include <vector>

#include "daemon/settings/settings_loader.hpp"
#include "proto/settings.hpp"

namespace gpwatch::settings_detail {

struct WordTablesLoad {
    WordTables tables;
    std::vector<SettingsError> errors;    // a bad line, with its file and line
    std::vector<SettingsError> warnings;
};

// Reads both tables from `dir`; `setting` names the setting that pointed there (for messages).
WordTablesLoad load_word_tables(const std::string& dir, const std::string& setting);

// Where the tables are when words_dir is not set: <the settings file's directory>/words, then
// /usr/share/gpwatch/words. Empty when neither holds them.
std::string default_words_dir(const std::string& settings_dir);

}  // namespace gpwatch::settings_detail
