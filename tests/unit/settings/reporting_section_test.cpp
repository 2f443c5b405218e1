// The `reporting:` section (LMC incident counts) and the content rules' `category`: what a good
// one gives, and an error with file:line:column, setting and reason for each way it can be wrong.
#include <string>

#include <gtest/gtest.h>

#include "settings_test_util.hpp"

namespace gpwatch {
namespace {

using namespace test;
using namespace std::chrono_literals;

// minimal_yaml() has 8 lines; the section starts on line 9.
SettingsLoad with(const std::string& tail) { return load(minimal_yaml() + tail); }

TEST(ReportingSection, AbsentMeansOff) {
    auto r = load(minimal_yaml());
    ASSERT_TRUE(r.settings) << all(r.errors);
    EXPECT_FALSE(r.settings->reporting.enabled);
    EXPECT_FALSE(r.settings->reporting.upload);
}

TEST(ReportingSection, FullSectionWithRelativePathsAndDurations) {
    auto r = with("reporting:\n"
                  "  signing_key_file: keys/lmc-signing-key.pem\n"
                  "  period: iso_week\n"
                  "  settle_after: 36h\n"
                  "  check_every: 30m\n"
                  "  look_back_weeks: 12\n"
                  "  per_writer_ods: true\n"
                  "  upload:\n"
                  "    url: https://lmc-collector.example.nhs.uk:8443/v1/reports\n"
                  "    ca_file: lmc-ca.pem\n"
                  "    client_cert_file: practice-lmc.pem\n"
                  "    client_key_file: /etc/gpwatch/practice-lmc.key\n"
                  "    timeout: 45s\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const auto& rep = r.settings->reporting;
    EXPECT_TRUE(rep.enabled);
    EXPECT_EQ(rep.signing_key_file, kDataDir + "/keys/lmc-signing-key.pem");
    EXPECT_EQ(rep.settle_after, 36h);
    EXPECT_EQ(rep.check_every, 30min);
    EXPECT_EQ(rep.look_back_weeks, 12);
    EXPECT_TRUE(rep.per_writer_ods);
    ASSERT_TRUE(rep.upload);
    EXPECT_EQ(rep.upload->url, "https://lmc-collector.example.nhs.uk:8443/v1/reports");
    EXPECT_EQ(rep.upload->ca_file, kDataDir + "/lmc-ca.pem");
    EXPECT_EQ(rep.upload->client_cert_file, kDataDir + "/practice-lmc.pem");
    EXPECT_EQ(rep.upload->client_key_file, "/etc/gpwatch/practice-lmc.key");
    EXPECT_EQ(rep.upload->timeout, 45s);
    EXPECT_TRUE(has_warning(r, "reporting.signing_key_file")) << "the key file does not exist";
}

TEST(ReportingSection, DefaultsAndNoUpload) {
    auto r = with("reporting:\n"
                  "  signing_key_file: ca.pem\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const auto& rep = r.settings->reporting;
    EXPECT_TRUE(rep.enabled);
    EXPECT_EQ(rep.settle_after, 48h);
    EXPECT_EQ(rep.check_every, 1h);
    EXPECT_EQ(rep.look_back_weeks, 8);
    EXPECT_FALSE(rep.per_writer_ods);
    EXPECT_FALSE(rep.upload);
    EXPECT_FALSE(has_warning(r, "reporting.signing_key_file"));
}

TEST(ReportingSection, ErrorsNameLineAndColumn) {
    auto r = with("reporting:\n"                          // 9
                  "  signing_key_file: ca.pem\n"          // 10
                  "  period: monthly\n"                   // 11
                  "  settle_after: soon\n"                // 12
                  "  look_back_weeks: 0\n"                // 13
                  "  per_writer_ods: perhaps\n"           // 14
                  "  check_evry: 1h\n"                    // 15
                  "  upload:\n"                           // 16
                  "    url: http://collector:8080/v1\n"   // 17
                  "    timeout: 0s\n");                   // 18
    EXPECT_FALSE(r.settings);
    const auto period = error_for(r, "reporting.period");
    EXPECT_EQ(period.line, 11);
    EXPECT_EQ(period.column, 11);
    EXPECT_NE(period.message.find("iso_week"), std::string::npos);
    EXPECT_EQ(error_for(r, "reporting.settle_after").line, 12);
    EXPECT_EQ(error_for(r, "reporting.look_back_weeks").line, 13);
    EXPECT_EQ(error_for(r, "reporting.per_writer_ods").line, 14);
    const auto typo = error_for(r, "reporting.check_evry");
    EXPECT_EQ(typo.line, 15);
    EXPECT_EQ(typo.column, 3);
    EXPECT_NE(typo.message.find("check_every"), std::string::npos);
    const auto url = error_for(r, "reporting.upload.url");
    EXPECT_EQ(url.line, 17);
    EXPECT_NE(url.message.find("https"), std::string::npos);
    EXPECT_EQ(error_for(r, "reporting.upload.timeout").line, 18);
    EXPECT_EQ(error_for(r, "reporting.upload.client_cert_file").line, 16);
    EXPECT_EQ(error_for(r, "reporting.upload.client_key_file").line, 16);
    EXPECT_NE(error_for(r, "reporting.upload.client_cert_file").to_string().find("test.yaml:16:3: "), std::string::npos);
}

TEST(ReportingSection, SigningKeyIsRequiredWhenTheSectionIsWritten) {
    auto r = with("reporting:\n"
                  "  per_writer_ods: false\n");
    EXPECT_FALSE(r.settings);
    const auto e = error_for(r, "reporting.signing_key_file");
    EXPECT_EQ(e.line, 10);
    EXPECT_NE(e.message.find("Ed25519"), std::string::npos);
}

TEST(ReportingSection, NotAMap) {
    auto r = with("reporting: yes\n");
    EXPECT_FALSE(r.settings);
    EXPECT_EQ(error_for(r, "reporting").line, 9);
}

TEST(ReportingSection, SettingsHashIsOfTheBytesLoaded) {
    auto a = load(minimal_yaml());
    auto b = load(minimal_yaml() + "# a comment changes the bytes\n");
    ASSERT_TRUE(a.settings && b.settings);
    EXPECT_EQ(a.settings->source_hash.rfind("sha256:", 0), 0u);
    EXPECT_EQ(a.settings->source_hash.size(), 7u + 64u);
    EXPECT_EQ(a.settings->source_hash, settings_hash(minimal_yaml()));
    EXPECT_NE(a.settings->source_hash, b.settings->source_hash);
    // SHA-256 of the empty string, a known answer.
    EXPECT_EQ(settings_hash(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(RuleCategory, DefaultIsTheFirstCodeSetElseUncategorised) {
    auto r = with("codesets_dir: " + kSourceDir + "/config/codesets\n"
                  "rules:\n"
                  "  - name: pregnancy\n"
                  "    match:\n"
                  "      codeset: [pregnancy-status, safeguarding]\n"
                  "    severity: high\n"
                  "  - name: mh-flag\n"
                  "    match:\n"
                  "      organisation_type: mental-health-trust\n"
                  "    severity: high\n"
                  "  - name: named\n"
                  "    category: safeguarding_flags\n"
                  "    match:\n"
                  "      codeset: safeguarding\n"
                  "    severity: urgent\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    ASSERT_EQ(r.settings->rules.size(), 3u);
    EXPECT_EQ(r.settings->rules[0].category, "pregnancy_status");
    EXPECT_EQ(r.settings->rules[1].category, "uncategorised");
    EXPECT_EQ(r.settings->rules[2].category, "safeguarding_flags");
}

TEST(RuleCategory, OnlyLowerCaseDigitsAndUnderscore) {
    for (const std::string& bad : std::vector<std::string>{"Safeguarding", "safe-guarding", "a b", std::string(41, 'a')}) {
        auto r = with("rules:\n"                                  // 9
                      "  - name: r1\n"                            // 10
                      "    category: \"" + bad + "\"\n"           // 11
                      "    match:\n"
                      "      feed: clinical\n"
                      "    severity: high\n");
        EXPECT_FALSE(r.settings) << bad;
        const auto e = error_for(r, "rules[0].category");
        EXPECT_EQ(e.line, 11) << bad;
        EXPECT_EQ(e.column, 15) << bad;
    }
    auto ok = with("rules:\n  - name: r1\n    category: " + std::string(40, 'a') +
                   "\n    match:\n      feed: clinical\n    severity: high\n");
    EXPECT_TRUE(ok.settings) << all(ok.errors);
}

}  // namespace
}  // namespace gpwatch
