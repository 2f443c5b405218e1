// connectors/curl: secrets read from files (and systemd credentials), log-safe peer text.

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "connectors/curl/log_safe_text.hpp"
#include "connectors/curl/secret_file.hpp"

using namespace gpwatch;
namespace fs = std::filesystem;

namespace {

std::string write_file(const std::string& name, const std::string& content) {
    const auto path = (fs::path(testing::TempDir()) / (name + std::to_string(::getpid()))).string();
    std::ofstream(path) << content;
    return path;
}

}  // namespace

TEST(SecretFile, ReadEachTimeWithoutTheTrailingNewline) {
    const auto path = write_file("secret-a", "token-one\n");
    std::string error;
    EXPECT_EQ(curl::read_secret_file(path, error).value_or("?"), "token-one");
    std::ofstream(path) << "token-two\r\n";
    EXPECT_EQ(curl::read_secret_file(path, error).value_or("?"), "token-two") << "a refreshed file is used";
    fs::remove(path);
}

TEST(SecretFile, MissingOrEmptyNamesTheFile) {
    std::string error;
    EXPECT_FALSE(curl::read_secret_file("/nonexistent/gpwatch-secret", error));
    EXPECT_NE(error.find("/nonexistent/gpwatch-secret"), std::string::npos);
    const auto empty = write_file("secret-empty", "\n");
    EXPECT_FALSE(curl::read_secret_file(empty, error));
    EXPECT_NE(error.find("empty"), std::string::npos);
    fs::remove(empty);
}

TEST(SecretFile, SystemdCredentialsComeFromCredentialsDirectory) {
    const auto dir = fs::path(testing::TempDir()) / ("creds-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "nhsmail-token") << "from-systemd\n";
    ::setenv("CREDENTIALS_DIRECTORY", dir.c_str(), 1);
    std::string error;
    EXPECT_EQ(curl::read_secret_file("credential:nhsmail-token", error).value_or("?"), "from-systemd");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    EXPECT_FALSE(curl::read_secret_file("credential:nhsmail-token", error));
    EXPECT_NE(error.find("CREDENTIALS_DIRECTORY"), std::string::npos);
    fs::remove_all(dir);
}

TEST(LogSafeText, NhsNumbersEchoedByAPeerAreMasked) {
    EXPECT_EQ(curl::one_line("554 rejected: patient 9434765919 unknown"), "554 rejected: patient [digits removed] unknown");
    EXPECT_EQ(curl::one_line("patient 943 476 5919\r\nnext line"), "patient [digits removed] next line");
    EXPECT_EQ(curl::one_line("550 5.1.1 <duty@x>: recipient rejected"), "550 5.1.1 <duty@x>: recipient rejected");
    const auto long_text = curl::one_line(std::string(500, 'x'));
    EXPECT_LE(long_text.size(), 204u);
    EXPECT_EQ(long_text.substr(long_text.size() - 3), "...");
}
