#pragma once
// Reading the test messages in tests/data/update_record and NHS England's published examples.

#include <fstream>
#include <sstream>
#include <string>

namespace gpwatch::update_record::test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A message of tests/data/update_record/ (written by `gpwatch-sim mesh --write-fixtures`), e.g.
// message("bp-check.xml").
inline std::string message(const std::string& file) {
    return read_file(std::string(GPWATCH_TEST_DATA_DIR) + "/update_record/" + file);
}

// NHS England's examples live beside the project, not in it (see their SOURCES.md).
inline std::string published_example_dir() { return std::string(GPWATCH_SOURCE_DIR) + "/../shared/fixtures/update-record"; }

// `text` with the first `from` replaced by `to`; empty when `from` is not there, so a test whose
// edit no longer applies fails instead of testing the unedited message.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) return {};
    return text.replace(at, from.size(), to);
}

}  // namespace gpwatch::update_record::test
