// start_problems (gpwatchd --check-config): settings the loader accepts but start or the first
// connection would refuse fail, naming the setting and the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "daemon/app/start_checks.hpp"

namespace gpwatch {
namespace {

namespace fs = std::filesystem;

class StartChecks : public ::testing::Test {
protected:
    fs::path dir = fs::temp_directory_path() / ("start-checks-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    void SetUp() override {
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::ofstream(dir / "garbage.pem") << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
        std::ofstream(dir / "garbage.key") << "not a key\n";
    }
    void TearDown() override { fs::remove_all(dir); }

    // Settings as the loader gives them, from a file in `dir`.
    Settings load(const std::string& tail) {
        const auto path = dir / "gpwatchd.yaml";
        std::ofstream(path) << "practice:\n  ods: C84001\n  name: Test Practice\n"
                               "state_dir: " << (dir / "state").string() << "\n"
                               "clinical_feed:\n  enabled: false\n" << tail;
        auto r = load_settings_file(path.string());
        std::string errors;
        for (const auto& e : r.errors) errors += e.to_string() + "\n";
        EXPECT_TRUE(r.settings) << errors;
        return r.settings ? *r.settings : Settings{};
    }
    static std::string all(const std::vector<SettingsError>& v) {
        std::string s;
        for (const auto& e : v) s += e.to_string() + "\n";
        return s;
    }
};

TEST_F(StartChecks, SettingsThatStartHaveNone) {
    const auto s = load("");
    EXPECT_TRUE(start_problems(s).empty()) << all(start_problems(s));
    EXPECT_FALSE(fs::exists(dir / "state")) << "checking created the state directory";
}

TEST_F(StartChecks, AnUnusableSigningKeyIsNamed) {
    const auto key = (dir / "garbage.key").string();
    const auto p = start_problems(load("reporting:\n  signing_key_file: garbage.key\n"));
    ASSERT_EQ(p.size(), 1u) << all(p);
    EXPECT_EQ(p[0].setting, "reporting.signing_key_file");
    EXPECT_NE(p[0].message.find(key), std::string::npos) << p[0].to_string();
    EXPECT_EQ(p[0].file, (dir / "gpwatchd.yaml").string());
}

TEST_F(StartChecks, AMissingSigningKeyIsNamed) {
    const auto p = start_problems(load("reporting:\n  signing_key_file: nowhere.key\n"));
    ASSERT_EQ(p.size(), 1u) << all(p);
    EXPECT_NE(p[0].message.find("nowhere.key"), std::string::npos) << p[0].to_string();
}

TEST_F(StartChecks, AnUnparsableCertificateIsNamed) {
    Settings s = load("");
    s.clinical_feed.enabled = true;
    s.clinical_feed.ca_file = (dir / "garbage.pem").string();
    const auto p = start_problems(s);
    ASSERT_EQ(p.size(), 1u) << all(p);
    EXPECT_EQ(p[0].setting, "clinical_feed.ca_file");
    EXPECT_NE(p[0].message.find("garbage.pem"), std::string::npos) << p[0].to_string();
}

TEST_F(StartChecks, AnUnreadableSinkSecretIsNamed) {
    Settings s = load("");
    SinkSettings hook;
    hook.name = "pager";
    hook.type = SinkType::webhook;
    hook.url = "https://pager.example/alerts";
    hook.secret_file = (dir / "missing-secret").string();
    s.delivery.sinks.push_back(hook);
    const auto p = start_problems(s);
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p.back().setting, "delivery.sinks.pager.secret_file");
    EXPECT_NE(p.back().message.find("missing-secret"), std::string::npos) << p.back().to_string();
}

}  // namespace
}  // namespace gpwatch
