// The controller's own sections: feeds, review_only, organisation types, code sets (with errors
// naming the code set file and line), content rules (errors and never-match warnings), processor
// expectations and escalation. The shipped example and code sets must load as they are.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemon/settings/codesets.hpp"
#include "settings_test_util.hpp"

namespace gpwatch {
namespace {

using namespace test;
using namespace std::chrono_literals;

// A scratch directory of code set files for one test.
class CodeSetDir {
public:
    CodeSetDir() {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-codesets-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    ~CodeSetDir() { std::filesystem::remove_all(dir_); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir_ / (name + ".txt")) << text;
    }
    std::string path() const { return dir_.string(); }
    std::string file(const std::string& name) const { return (dir_ / (name + ".txt")).string(); }

private:
    std::filesystem::path dir_;
};

std::string with_codesets(const CodeSetDir& d, const std::string& rest) {
    return minimal_yaml() + "codesets_dir: " + d.path() + "\n" + rest;
}

TEST(ControllerSettings, TheShippedExampleHasEverySection) {
    const auto r = load_settings_file(kSourceDir + "/config/gpwatchd.yaml");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const Settings& s = *r.settings;
    const auto* rx1 = s.find_allowed("RX1");
    ASSERT_NE(rx1, nullptr);
    EXPECT_EQ(rx1->status, OrgStatus::review_only);
    ASSERT_NE(s.find_type("community-pharmacy"), nullptr);
    EXPECT_EQ(s.find_type("community-pharmacy")->status, OrgStatus::allowed);
    EXPECT_EQ(s.find_type("pcn-hub")->status, OrgStatus::review_only);
    EXPECT_TRUE(s.update_record.enabled);
    EXPECT_EQ(s.update_record.review_within, 1min);
    for (const char* name :
         {"safeguarding", "pregnancy-status", "high-risk-medicines", "online-access", "opt-out",
          "online-access-declined", "enhanced-review", "enhanced-review-not-indicated"}) {
        const auto* set = s.find_codeset(name);
        ASSERT_NE(set, nullptr) << name;
        EXPECT_FALSE(set->codes.empty()) << name;
    }
    ASSERT_EQ(s.rules.size(), 4u);
    EXPECT_EQ(s.rules[0].name, "safeguarding");
    EXPECT_EQ(s.rules[0].severity, Severity::urgent);
    EXPECT_EQ(s.rules[0].review_within, 30s);
    EXPECT_GT(s.rules[0].line, 0);
    EXPECT_EQ(s.rules[1].feeds, std::vector<std::string>{"update_record"});
    // processor: mirrors the organisations unless written; active agreements as written.
    EXPECT_TRUE(s.processor.update_record);
    EXPECT_EQ(s.processor.share_in_allowed.size(), 5u);
    EXPECT_EQ(s.processor.share_in_prohibited, std::vector<std::string>{"RW1"});
    EXPECT_EQ(s.processor.active_agreements, std::vector<std::string>{"Leicestershire shared care record"});
    EXPECT_TRUE(s.escalation.enabled);
    EXPECT_EQ(s.escalation.after, 1min);
    EXPECT_EQ(s.escalation.severity, Severity::urgent);
    ASSERT_EQ(s.calendar.closures.size(), 2u);
    for (const auto& w : r.warnings)
        EXPECT_EQ(w.to_string().find("never match"), std::string::npos) << w.to_string();
}

TEST(ControllerSettings, TheShippedCodeSetsParseCleanly) {
    const auto dir = kSourceDir + "/config/codesets";
    const auto loaded = settings_detail::load_codesets_dir(dir, "codesets_dir");
    EXPECT_TRUE(loaded.errors.empty()) << all(loaded.errors);
    EXPECT_TRUE(loaded.warnings.empty()) << all(loaded.warnings);
    EXPECT_GE(loaded.sets.size(), 5u);
}

TEST(ControllerSettings, ACodeSetFileWithABadLineIsReportedWithFileAndLine) {
    CodeSetDir d;
    d.write("safeguarding",
            "# comment line\n"                     // 1
            "999002381000000108  # the refset\n"   // 2
            "\n"                                   // 3
            "1155711000000106 1321421000000104\n"  // 4: two codes on one line
            "  child-at-risk!\n"                   // 5: not a code
            "999002381000000108\n");               // 6: twice (a warning)
    const auto r = load(with_codesets(d, ""));
    ASSERT_FALSE(r.settings);
    ASSERT_EQ(r.errors.size(), 2u) << all(r.errors);
    EXPECT_EQ(r.errors[0].file, d.file("safeguarding"));
    EXPECT_EQ(r.errors[0].line, 4);
    EXPECT_EQ(r.errors[0].column, 17);
    EXPECT_NE(r.errors[0].message.find("more than one code"), std::string::npos);
    EXPECT_EQ(r.errors[1].line, 5);
    EXPECT_EQ(r.errors[1].column, 16);
    EXPECT_EQ(r.errors[0].to_string().rfind(d.file("safeguarding") + ":4:17: codesets.safeguarding: ", 0), 0u)
        << r.errors[0].to_string();
    bool twice = false;
    for (const auto& w : r.warnings) twice |= w.file == d.file("safeguarding") && w.line == 6;
    EXPECT_TRUE(twice) << all(r.warnings);
}

TEST(ControllerSettings, AMissingCodeSetDirectoryPointsAtTheSetting) {
    const auto r = load(minimal_yaml() + "codesets_dir: /nonexistent/codesets\n");
    const auto e = error_for(r, "codesets_dir");
    EXPECT_EQ(e.file, "test.yaml");
    EXPECT_EQ(e.line, 9);
}

TEST(ControllerSettings, RulesAreCheckedWithTheirLines) {
    CodeSetDir d;
    d.write("safeguarding", "999002381000000108\n");
    const auto r = load(with_codesets(d,
                                      "rules:\n"                                 // 10
                                      "  - name: safe guarding\n"                // 11: not a name
                                      "    match: {codeset: safeguardin}\n"      // 12: did you mean
                                      "    severity: urgent\n"                   // 13
                                      "  - name: dup\n"                          // 14
                                      "    match: {feed: pharmacy}\n"            // 15: not a feed
                                      "    severity: loud\n"                     // 16: not a severity
                                      "  - name: dup\n"                          // 17: duplicate name
                                      "    match: {organisation_type: trust}\n"  // 18: unknown type
                                      "    severity: high\n"                     // 19
                                      "  - name: nomatch\n"                      // 20: no match, no severity
                                      ));
    ASSERT_FALSE(r.settings);
    EXPECT_EQ(error_for(r, "rules[0].name").line, 11);
    const auto near = error_for(r, "rules[0].match.codeset");
    EXPECT_EQ(near.line, 12);
    EXPECT_NE(near.message.find("did you mean 'safeguarding'"), std::string::npos) << near.message;
    EXPECT_EQ(error_for(r, "rules[1].match.feed").line, 15);
    EXPECT_EQ(error_for(r, "rules[1].severity").line, 16);
    EXPECT_NE(error_for(r, "rules[2].name").message.find("already exists (line 14)"), std::string::npos);
    EXPECT_EQ(error_for(r, "rules[2].match.organisation_type").line, 18);
    EXPECT_FALSE(error_for(r, "rules[3].severity").message.empty());
    EXPECT_FALSE(error_for(r, "rules[3].match").message.empty());
}

TEST(ControllerSettings, ARuleOnAMissingCodeSetWithoutCodesetsDirSaysSo) {
    const auto r = load(minimal_yaml() +
                        "rules:\n  - name: r\n    match: {codeset: safeguarding}\n    severity: high\n");
    EXPECT_NE(error_for(r, "rules[0].match.codeset").message.find("add codesets_dir"), std::string::npos);
}

TEST(ControllerSettings, RulesThatCanNeverMatchAreWarnedAbout) {
    CodeSetDir d;
    d.write("empty", "# nothing yet\n");
    d.write("safeguarding", "999002381000000108\n");
    const auto r = load(with_codesets(d,
                                      "rules:\n"                                                        // 10
                                      "  - name: own-practice\n"                                        // 11
                                      "    match: {organisation: C84001}\n"                             // 12
                                      "    severity: high\n"                                            // 13
                                      "  - name: empty-set\n"                                           // 14
                                      "    match: {codeset: empty}\n"                                   // 15
                                      "    severity: high\n"                                            // 16
                                      "  - name: feed-vs-route\n"                                       // 17
                                      "    match: {feed: clinical, route: update-record}\n"             // 18
                                      "    severity: high\n"                                            // 19
                                      "  - name: pharmacy-type\n"                                       // 20
                                      "    match: {feed: update_record, organisation_type: hospice}\n"  // 21
                                      "    severity: high\n"                                            // 22
                                      "  - name: fine\n"                                                // 23
                                      "    match: {codeset: safeguarding, feed: [clinical, update_record]}\n"
                                      "    severity: urgent\n"));
    ASSERT_TRUE(r.settings) << all(r.errors);
    for (const auto& [setting, line] :
         std::vector<std::pair<std::string, int>>{{"rules.own-practice", 11},
                                                  {"rules.empty-set", 14},
                                                  {"rules.feed-vs-route", 17},
                                                  {"rules.pharmacy-type", 20}}) {
        bool found = false;
        for (const auto& w : r.warnings)
            if (w.setting == setting) {
                found = true;
                EXPECT_EQ(w.line, line) << setting;
                EXPECT_NE(w.message.find("can never match"), std::string::npos);
            }
        EXPECT_TRUE(found) << setting << "\n" << all(r.warnings);
    }
    EXPECT_FALSE(has_warning(r, "rules.fine"));
    // The directory has no online-access / enhanced-review sets: the flag checks cannot work.
    int flag_warnings = 0;
    for (const auto& w : r.warnings) flag_warnings += w.setting == "codesets_dir";
    EXPECT_EQ(flag_warnings, 2) << all(r.warnings);
}

TEST(ControllerSettings, FeedsTypesReviewOnlyAndProcessor) {
    const auto r = load(minimal_yaml() +
                        "organisations:\n"
                        "  allowed: [{ods: RT5, review_within: 4h}]\n"
                        "  review_only: [{ods: RX1}]\n"
                        "  prohibited: [{ods: RW1, why: withdrawn, review_within: 1h}]\n"
                        "organisation_types:\n"
                        "  hospice: {status: allowed, review_within: 21h}\n"
                        "  111: {status: prohibited}\n"
                        "feeds:\n"
                        "  update_record: {enabled: false}\n"
                        "processor:\n"
                        "  share_in_allowed: [RT5, NQT11]\n"
                        "  active_agreements: shared care\n");
    ASSERT_TRUE(r.settings) << all(r.errors);
    const Settings& s = *r.settings;
    EXPECT_EQ(s.find_allowed("RX1")->status, OrgStatus::review_only);
    EXPECT_EQ(s.find_allowed("RX1")->review_within, s.default_review_within);
    EXPECT_EQ(s.find_prohibited("RW1")->review_within, 1h);
    EXPECT_EQ(s.find_type("111")->status, OrgStatus::prohibited);
    EXPECT_EQ(s.find_type("hospice")->review_within, 21h);
    EXPECT_FALSE(s.update_record.enabled);
    EXPECT_TRUE(s.shared_record.enabled);
    EXPECT_FALSE(s.processor.update_record) << "follows feeds.update_record.enabled";
    EXPECT_EQ(s.processor.share_in_allowed, (std::vector<std::string>{"RT5", "NQT11"}));
    EXPECT_EQ(s.processor.share_in_prohibited, std::vector<std::string>{"RW1"});
    EXPECT_EQ(s.processor.active_agreements, std::vector<std::string>{"shared care"});
    EXPECT_FALSE(s.escalation.enabled) << "off unless written";
}

TEST(ControllerSettings, BadControllerValuesAreRefused) {
    const auto r = load(minimal_yaml() +
                        "organisation_types:\n"                  // 9
                        "  pharmacy: {status: allowed}\n"        // 10: unknown type
                        "  hospice: {status: maybe}\n"           // 11: not a status
                        "feeds:\n"                               // 12
                        "  update_record: {enabled: perhaps}\n"  // 13
                        "processor:\n"                           // 14
                        "  share_in_allowed: [RT5]\n"            // 15
                        "  share_in_prohibited: [RT5]\n"         // 16: both
                        "escalation:\n"                          // 17
                        "  after: soon\n"                        // 18
                        "  severity: review\n");                 // 19: must be louder
    ASSERT_FALSE(r.settings);
    EXPECT_FALSE(error_for(r, "organisation_types.hospice.status").message.empty());
    EXPECT_FALSE(error_for(r, "feeds.update_record.enabled").message.empty());
    EXPECT_FALSE(error_for(r, "processor").message.empty());
    EXPECT_FALSE(error_for(r, "escalation.after").message.empty());
    EXPECT_NE(error_for(r, "escalation.severity").message.find("louder"), std::string::npos);
    bool unknown_type = false;
    for (const auto& e : r.errors) unknown_type |= e.line == 10;
    EXPECT_TRUE(unknown_type) << all(r.errors);
}

}  // namespace
}  // namespace gpwatch
