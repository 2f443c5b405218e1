// The `mesh:` section: what a good one gives, and an error with file:line:column, setting and
// reason for each way it can be wrong. Secrets come from the file or from files it names
// (systemd credentials), and never appear in a message.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "settings_test_util.hpp"

namespace gpwatch {
namespace {

using namespace test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class MeshSection : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("gpwatch-mesh-settings-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        write("password.txt", "s3cret-pass\n");  // a final newline is not part of the secret
        write("secret.txt", "env-shared-secret");
        for (const char* f : {"ca.pem", "client.pem", "client.key"}) write(f, "-----BEGIN-----\n");
        if (const char* d = std::getenv("CREDENTIALS_DIRECTORY")) saved_credentials_ = d;
        ::unsetenv("CREDENTIALS_DIRECTORY");
    }
    void TearDown() override {
        if (saved_credentials_) ::setenv("CREDENTIALS_DIRECTORY", saved_credentials_->c_str(), 1);
        else ::unsetenv("CREDENTIALS_DIRECTORY");
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void write(const std::string& name, const std::string& content) {
        std::ofstream(dir_ / name, std::ios::binary) << content;
    }
    std::string at(const std::string& name) const { return (dir_ / name).string(); }

    // minimal_yaml() is 8 lines, so `mesh:` is line 9 and the keys follow from line 10, in the
    // order given here (each entry one line).
    std::string with_mesh(const std::vector<std::string>& lines) const {
        std::string y = minimal_yaml() + "mesh:\n";
        for (const auto& l : lines) y += "  " + l + "\n";
        return y;
    }
    std::vector<std::string> good() const {
        return {"url: https://mesh.example.nhs.uk:443",         // 10
                "mailbox: C84001OT001",                          // 11
                "password_file: " + at("password.txt"),          // 12
                "shared_secret_file: " + at("secret.txt"),       // 13
                "ca_file: " + at("ca.pem"),                      // 14
                "client_cert_file: " + at("client.pem"),         // 15
                "client_key_file: " + at("client.key")};         // 16
    }
    static std::vector<std::string> without(std::vector<std::string> v, const std::string& key) {
        std::erase_if(v, [&](const std::string& l) { return l.rfind(key + ":", 0) == 0; });
        return v;
    }
    static std::vector<std::string> replacing(std::vector<std::string> v, const std::string& key,
                                              const std::string& line) {
        for (auto& l : v)
            if (l.rfind(key + ":", 0) == 0) l = line;
        return v;
    }

    static void expect_error(const SettingsLoad& r, const std::string& setting, int line, const std::string& words) {
        EXPECT_FALSE(r.settings.has_value());
        const SettingsError e = error_for(r, setting);
        EXPECT_EQ(e.file, "test.yaml") << e.to_string();
        EXPECT_EQ(e.line, line) << e.to_string();
        EXPECT_GT(e.column, 0) << e.to_string();
        EXPECT_NE(e.message.find(words), std::string::npos) << e.to_string();
        // "test.yaml:LINE:COL: mesh.x: ..." as the other sections print it.
        EXPECT_EQ(e.to_string().rfind("test.yaml:" + std::to_string(line) + ":", 0), 0u) << e.to_string();
    }
    static void expect_no_secret(const SettingsLoad& r) {
        for (const auto& e : r.errors) {
            EXPECT_EQ(e.to_string().find("s3cret-pass"), std::string::npos) << e.to_string();
            EXPECT_EQ(e.to_string().find("env-shared-secret"), std::string::npos) << e.to_string();
        }
    }

    fs::path dir_;
    std::optional<std::string> saved_credentials_;
};

TEST_F(MeshSection, AbsentMeansOff) {
    const auto r = load(minimal_yaml());
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_FALSE(r.settings->mesh.enabled);
}

TEST_F(MeshSection, GoodSectionWithDefaults) {
    const auto r = load(with_mesh(good()));
    ASSERT_TRUE(r.settings) << all(r.errors);
    for (const auto& w : r.warnings) EXPECT_NE(w.setting.rfind("mesh", 0), 0u) << w.to_string();
    const MeshSettings& m = r.settings->mesh;
    EXPECT_TRUE(m.enabled);
    EXPECT_EQ(m.url, "https://mesh.example.nhs.uk:443");
    EXPECT_EQ(m.mailbox, "C84001OT001");
    EXPECT_EQ(m.password, "s3cret-pass");
    EXPECT_EQ(m.password_file, at("password.txt"));
    EXPECT_EQ(m.shared_secret, "env-shared-secret");
    EXPECT_EQ(m.ca_file, at("ca.pem"));
    EXPECT_EQ(m.client_cert_file, at("client.pem"));
    EXPECT_EQ(m.client_key_file, at("client.key"));
    EXPECT_EQ(m.poll_interval, 5min);
    EXPECT_EQ(m.handshake_interval, 24h);
    EXPECT_EQ(m.request_timeout, 60s);
    EXPECT_EQ(m.retry_initial, 1s);
    EXPECT_EQ(m.retry_max, 5min);
    EXPECT_EQ(m.credentials_backoff, 5min);
    EXPECT_EQ(m.max_message_bytes, 100u * 1024 * 1024);
}

TEST_F(MeshSection, EveryTunableIsRead) {
    auto lines = good();
    for (const char* l : {"enabled: true", "poll_interval: 10m", "handshake_interval: 12h", "request_timeout: 30s",
                          "retry_initial: 2s", "retry_max: 10m", "credentials_backoff: 15m",
                          "max_message_bytes: 20MB"})
        lines.emplace_back(l);
    const auto r = load(with_mesh(lines));
    ASSERT_TRUE(r.settings) << all(r.errors);
    const MeshSettings& m = r.settings->mesh;
    EXPECT_EQ(m.poll_interval, 10min);
    EXPECT_EQ(m.handshake_interval, 12h);
    EXPECT_EQ(m.request_timeout, 30s);
    EXPECT_EQ(m.retry_initial, 2s);
    EXPECT_EQ(m.retry_max, 10min);
    EXPECT_EQ(m.credentials_backoff, 15min);
    EXPECT_EQ(m.max_message_bytes, 20u * 1024 * 1024);
}

TEST_F(MeshSection, FastPollingIsAllowedButWarned) {
    auto lines = good();
    lines.emplace_back("poll_interval: 5s");  // line 17
    const auto r = load(with_mesh(lines));
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_TRUE(has_warning(r, "mesh.poll_interval"));
}

TEST_F(MeshSection, DisabledNeedsNothing) {
    const auto r = load(with_mesh({"enabled: false"}));
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_FALSE(r.settings->mesh.enabled);
}

TEST_F(MeshSection, MissingMailbox) {
    const auto r = load(with_mesh(without(good(), "mailbox")));
    expect_error(r, "mesh.mailbox", 10, "required setting is missing");
    EXPECT_EQ(r.errors.size(), 1u) << all(r.errors);
}

TEST_F(MeshSection, BadMailbox) {
    const auto r = load(with_mesh(replacing(good(), "mailbox", "mailbox: C84001/../OT001")));
    expect_error(r, "mesh.mailbox", 11, "not a MESH mailbox id");
}

TEST_F(MeshSection, MissingPasswordSaysHowToGiveIt) {
    const auto r = load(with_mesh(without(good(), "password_file")));
    expect_error(r, "mesh.password", 10, "password_file");
}

TEST_F(MeshSection, PasswordFromAFile) {
    write("password.txt", "  from-file  \n\n");
    const auto r = load(with_mesh(good()));
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_EQ(r.settings->mesh.password, "  from-file");  // only trailing whitespace is dropped
}

TEST_F(MeshSection, PasswordFileMissingOrEmptyOrNotOneLine) {
    auto missing = load(with_mesh(replacing(good(), "password_file", "password_file: " + at("nope.txt"))));
    expect_error(missing, "mesh.password_file", 12, "cannot read '" + at("nope.txt") + "'");

    write("empty.txt", "\n");
    auto empty = load(with_mesh(replacing(good(), "password_file", "password_file: " + at("empty.txt"))));
    expect_error(empty, "mesh.password_file", 12, "is empty");

    write("two.txt", "s3cret-pass\nsecond line\n");
    auto two = load(with_mesh(replacing(good(), "password_file", "password_file: " + at("two.txt"))));
    expect_error(two, "mesh.password_file", 12, "more than one line");
    expect_no_secret(two);

    auto dir = load(with_mesh(replacing(good(), "password_file", "password_file: " + dir_.string())));
    expect_error(dir, "mesh.password_file", 12, "is a directory");
}

TEST_F(MeshSection, PasswordInlineAndFileIsAmbiguous) {
    auto lines = good();
    lines.emplace_back("password: s3cret-pass");  // line 17
    const auto r = load(with_mesh(lines));
    expect_error(r, "mesh.password_file", 12, "not both");
    expect_no_secret(r);
}

TEST_F(MeshSection, SecretsFromSystemdCredentials) {
    fs::create_directories(dir_ / "creds");
    write("creds/mesh-password", "cred-pass\n");
    write("creds/mesh-shared-secret", "cred-secret\n");
    ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "creds").c_str(), 1);
    auto lines = replacing(good(), "password_file", "password_file: credential:mesh-password");
    lines = replacing(lines, "shared_secret_file", "shared_secret_file: ${CREDENTIALS_DIRECTORY}/mesh-shared-secret");
    const auto r = load(with_mesh(lines));
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_EQ(r.settings->mesh.password, "cred-pass");
    EXPECT_EQ(r.settings->mesh.password_file, (dir_ / "creds" / "mesh-password").string());
    EXPECT_EQ(r.settings->mesh.shared_secret, "cred-secret");
}

TEST_F(MeshSection, CredentialWithoutCredentialsDirectory) {
    const auto r = load(with_mesh(replacing(good(), "password_file", "password_file: credential:mesh-password")));
    expect_error(r, "mesh.password_file", 12, "CREDENTIALS_DIRECTORY is not set");
}

TEST_F(MeshSection, CredentialNameMustBePlain) {
    ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
    const auto r = load(with_mesh(replacing(good(), "password_file", "password_file: credential:../etc/passwd")));
    expect_error(r, "mesh.password_file", 12, "plain name");
}

TEST_F(MeshSection, BadUrl) {
    auto http = load(with_mesh(replacing(good(), "url", "url: http://mesh.example.nhs.uk")));
    expect_error(http, "mesh.url", 10, "is not https://host:port");
    auto path = load(with_mesh(replacing(good(), "url", "url: https://mesh.example.nhs.uk/messageexchange")));
    expect_error(path, "mesh.url", 10, "has a path");
    auto junk = load(with_mesh(replacing(good(), "url", "url: not a url")));
    expect_error(junk, "mesh.url", 10, "is not https://host:port");
}

TEST_F(MeshSection, BadValues) {
    auto lines = good();
    lines.emplace_back("poll_interval: often");       // 17
    lines.emplace_back("max_message_bytes: 12 parsecs");  // 18
    lines.emplace_back("handshake_interval: 48h");    // 19
    lines.emplace_back("enabled: maybe");             // 20
    const auto r = load(with_mesh(lines));
    expect_error(r, "mesh.poll_interval", 17, "not a duration");
    expect_error(r, "mesh.max_message_bytes", 18, "not a size");
    expect_error(r, "mesh.handshake_interval", 19, "at least once a day");
    expect_error(r, "mesh.enabled", 20, "not true or false");
}

TEST_F(MeshSection, RetryBoundsInOrder) {
    auto lines = good();
    lines.emplace_back("retry_initial: 10m");  // 17
    lines.emplace_back("retry_max: 1m");       // 18
    expect_error(load(with_mesh(lines)), "mesh.retry_max", 18, "longer than the longest");
}

TEST_F(MeshSection, UnknownKeyGetsASuggestion) {
    auto lines = good();
    lines.emplace_back("pasword_file: x");  // 17
    const auto r = load(with_mesh(lines));
    expect_error(r, "mesh.pasword_file", 17, "did you mean 'password_file'");
}

TEST_F(MeshSection, NotAMap) {
    const auto r = load(minimal_yaml() + "mesh: yes\n");
    expect_error(r, "mesh", 9, "should be a map");
}

TEST_F(MeshSection, MissingCertificateFileIsAWarning) {
    const auto r = load(with_mesh(replacing(good(), "ca_file", "ca_file: " + at("absent-ca.pem"))));
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_TRUE(has_warning(r, "mesh.ca_file"));
}

}  // namespace
}  // namespace gpwatch
