// The Update Record test messages in tests/data/update_record/ are exactly what
// `gpwatch-sim mesh --write-fixtures` writes: the checked-in files cannot drift from their one
// description (sim/mesh/fixture_messages.cpp).

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "sim/mesh/fixture_messages.hpp"
#include "sim/mesh/mesh_options.hpp"

namespace gpwatch::sim {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(GPWATCH_TEST_DATA_DIR) / "update_record";

std::string read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

TEST(FixtureMessages, CheckedInFilesAreWhatTheGeneratorWrites) {
    for (const FixtureMessage& m : fixture_messages()) {
        SCOPED_TRACE(m.name);
        EXPECT_EQ(read(kFixtures / (m.name + ".xml")), to_fhir_xml(m.message));
        EXPECT_EQ(read(kFixtures / (m.name + ".json")), to_fhir_json_indented(m.message));
    }
}

TEST(FixtureMessages, EveryCheckedInMessageHasItsDescription) {
    std::set<std::string> described;
    for (const FixtureMessage& m : fixture_messages()) {
        EXPECT_TRUE(described.insert(m.name + ".xml").second) << m.name;
        described.insert(m.name + ".json");
    }
    std::set<std::string> on_disk;
    for (const auto& e : fs::directory_iterator(kFixtures)) {
        const std::string ext = e.path().extension().string();
        if (ext == ".xml" || ext == ".json") on_disk.insert(e.path().filename().string());
    }
    EXPECT_EQ(on_disk, described);
}

TEST(FixtureMessages, WriteFixtureMessagesWritesBothForms) {
    const fs::path dir = fs::temp_directory_path() / ("gpwatch-fixtures-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto written = write_fixture_messages(dir);
    EXPECT_EQ(written.size(), 2 * fixture_messages().size());
    for (const auto& name : written) EXPECT_EQ(read(dir / name), read(kFixtures / name)) << name;
    fs::remove_all(dir);
}

TEST(FixtureMessages, MeshOptionWriteFixtures) {
    EXPECT_EQ(parse_mesh_options({"--write-fixtures", "out/dir"}).write_fixtures_dir, "out/dir");
    EXPECT_EQ(parse_mesh_options({"--write-fixtures=x"}).write_fixtures_dir, "x");
    EXPECT_TRUE(parse_mesh_options({}).write_fixtures_dir.empty());
    EXPECT_THROW(parse_mesh_options({"--write-fixtures", ""}), OptionError);
}

}  // namespace
}  // namespace gpwatch::sim
