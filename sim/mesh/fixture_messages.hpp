#pragma once
// The Update Record test messages of tests/data/update_record/: fourteen fixed messages (the
// seven Pharmacy First pathways, a Blood Pressure Check, Contraception, a replacement, a NOPAT
// message, a failing NHS number, a business acknowledgement), each described once as a FhirNode
// and written as NAME.xml and NAME.json so a twin pair always means the same thing. The one
// generator of those files: `gpwatch-sim mesh --write-fixtures DIR`.

#include <filesystem>
#include <string>
#include <vector>

#include "sim/mesh/update_record_fhir.hpp"

namespace gpwatch::sim {

struct FixtureMessage {
    std::string name;  // file stem: NAME.xml and NAME.json
    FhirNode message;  // the outer (message) Bundle
};

std::vector<FixtureMessage> fixture_messages();

// Writes every fixture into dir (which must exist) as NAME.xml and NAME.json; returns the file
// names written. Throws std::runtime_error when a file cannot be written.
std::vector<std::string> write_fixture_messages(const std::filesystem::path& dir);

}  // namespace gpwatch::sim
