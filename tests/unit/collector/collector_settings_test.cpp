// load_collector_settings: a good file, defaults, and errors naming file:line:column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "collector/collector_cli.hpp"
#include "collector/collector_settings.hpp"

namespace gpwatch::collector {
namespace {

namespace fs = std::filesystem;

class CollectorSettingsTest : public ::testing::Test {
protected:
    fs::path dir = fs::temp_directory_path() / ("collector-settings-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    void SetUp() override {
        fs::remove_all(dir);
        fs::create_directories(dir);
        for (const char* f : {"server.pem", "server.key", "ca.pem", "conninfo"}) std::ofstream(dir / f) << "x\n";
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string write(const std::string& yaml) {
        const auto path = (dir / "collector.yaml").string();
        std::ofstream(path) << yaml;
        return path;
    }
    static std::string good() {
        return "upload:\n"
               "  listen: 0.0.0.0:8443\n"
               "  cert_file: server.pem\n"
               "  key_file: server.key\n"
               "  client_ca_file: ca.pem\n"
               "web:\n"
               "  listen: \"[::1]:0\"\n"
               "  cert_file: server.pem\n"
               "  key_file: server.key\n"
               "storage:\n"
               "  backend: sqlite\n"
               "  sqlite_path: data/collector.db\n";
    }
};

TEST_F(CollectorSettingsTest, ReadsAGoodFileWithDefaults) {
    const auto s = load_collector_settings(write(good()));
    EXPECT_EQ(s.upload.listen.host, "0.0.0.0");
    EXPECT_EQ(s.upload.listen.port, 8443);
    EXPECT_EQ(s.web.listen.host, "::1");
    EXPECT_EQ(s.web.listen.port, 0);
    EXPECT_EQ(s.upload.client_ca_file, (dir / "ca.pem").string());
    EXPECT_EQ(s.storage.sqlite_path, (dir / "data" / "collector.db").string());
    EXPECT_EQ(s.limits.max_report_bytes, 262144u);
    EXPECT_EQ(s.limits.max_clock_skew, std::chrono::minutes(5));
    EXPECT_EQ(s.time_zone, "Europe/London");
}

TEST_F(CollectorSettingsTest, PostgresConninfoFromAFile) {
    std::ofstream(dir / "conninfo") << "  host=/tmp dbname=lmc  \n";
    const auto s = load_collector_settings(write(good().substr(0, good().find("storage:")) +
                                                 "storage:\n  backend: postgresql\n  postgresql_conninfo_file: conninfo\n"
                                                 "limits:\n  max_report_bytes: 4096\n  max_clock_skew: 90s\n"));
    EXPECT_EQ(s.storage.backend, StorageBackend::postgresql);
    EXPECT_EQ(s.storage.postgresql_conninfo, "host=/tmp dbname=lmc");
    EXPECT_EQ(s.limits.max_report_bytes, 4096u);
    EXPECT_EQ(s.limits.max_clock_skew, std::chrono::seconds(90));
}

TEST_F(CollectorSettingsTest, ErrorsNameFileLineAndColumn) {
    std::string yaml = good() + "limits:\n  max_clock_skew: soon\n  max_report_bytes: 10\ntime_zone: Mars/Olympus\n";
    yaml.replace(yaml.find("0.0.0.0:8443"), 12, "8443");
    yaml.replace(yaml.find("client_ca_file: ca.pem"), 22, "client_ca_file: nope.pem");
    const auto path = write(yaml);
    try {
        load_collector_settings(path);
        FAIL() << "accepted";
    } catch (const CollectorSettingsError& e) {
        const std::string text = e.what();
        EXPECT_NE(text.find(path + ":2:11: upload.listen: should be HOST:PORT"), std::string::npos) << text;
        EXPECT_NE(text.find(path + ":5:19: upload.client_ca_file: cannot read"), std::string::npos) << text;
        EXPECT_NE(text.find(path + ":14:19: limits.max_clock_skew"), std::string::npos) << text;
        EXPECT_NE(text.find("limits.max_report_bytes"), std::string::npos) << text;
        EXPECT_NE(text.find(":16:12: time_zone: is not a time zone"), std::string::npos) << text;
        EXPECT_EQ(e.problems.size(), 5u) << text;
    }
}

TEST_F(CollectorSettingsTest, UnknownKeysAndBadBackendsAreReported) {
    std::string yaml = good() + "extra: 1\n";
    yaml.replace(yaml.find("backend: sqlite"), 15, "backend: mysql");
    try {
        load_collector_settings(write(yaml));
        FAIL() << "accepted";
    } catch (const CollectorSettingsError& e) {
        const std::string text = e.what();
        EXPECT_NE(text.find("extra: is not a setting here"), std::string::npos) << text;
        EXPECT_NE(text.find("storage.backend: should be sqlite or postgresql"), std::string::npos) << text;
    }
}

TEST(CollectorCliTest, ParsesCommandsAndRefusesBadUsage) {
    auto p = parse_cli({"--config", "c.yaml", "register", "--ods", "A81001", "--public-key", "k.pem", "--replace"});
    ASSERT_TRUE(p.error.empty()) << p.error;
    EXPECT_EQ(p.options.command, Command::register_practice);
    EXPECT_TRUE(p.options.replace);
    p = parse_cli({"--config", "c.yaml", "export-csv", "--from", "2026-W40"});
    EXPECT_EQ(p.options.from, "2026-W40");
    EXPECT_FALSE(parse_cli({"serve"}).error.empty());                            // no --config
    EXPECT_FALSE(parse_cli({"--config", "c.yaml"}).error.empty());               // no command
    EXPECT_FALSE(parse_cli({"--config", "c.yaml", "register"}).error.empty());   // no --ods
    EXPECT_FALSE(parse_cli({"--config", "c.yaml", "serve", "--json"}).error.empty());
    EXPECT_EQ(parse_cli({"--help"}).options.command, Command::help);
}

}  // namespace
}  // namespace gpwatch::collector
