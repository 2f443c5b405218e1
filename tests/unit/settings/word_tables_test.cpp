// The word tables: record types and job roles in plain words, read from config/words/ (the files
// shipped), with file:line errors for a bad line.

#include "daemon/settings/word_tables.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#ifndef GPWATCH_SOURCE_DIR
#error "GPWATCH_SOURCE_DIR must name the source tree (config/words)"
#endif

using namespace gpwatch;
namespace fs = std::filesystem;

TEST(WordTables, TheShippedTablesSayWhatAGpReads) {
    const auto load = settings_detail::load_word_tables(GPWATCH_SOURCE_DIR "/config/words", "words_dir");
    ASSERT_TRUE(load.errors.empty()) << load.errors.front().to_string();
    EXPECT_TRUE(load.warnings.empty()) << load.warnings.front().to_string();
    const auto& w = load.tables;
    EXPECT_EQ(w.record_type("DocumentReference"), "document");
    EXPECT_EQ(w.record_type("Flag"), "flag");
    EXPECT_EQ(w.job_role("R8001"), "nurse");
    EXPECT_EQ(w.job_role("R0260"), "GP");
    EXPECT_EQ(w.job_role("R1290"), "pharmacist");
    // What the tables do not know is shown in its own words, never dropped or run together.
    EXPECT_EQ(w.record_type("Specimen"), "specimen");
    EXPECT_EQ(WordTables{}.record_type("QuestionnaireResponse"), "questionnaire response");
    EXPECT_EQ(WordTables{}.record_type(""), "");
    EXPECT_EQ(w.job_role("R9999"), "role R9999");
    EXPECT_EQ(w.job_role(""), "");
}

TEST(WordTables, FoundBesideTheSettingsWhenNotSet) {
    EXPECT_EQ(settings_detail::default_words_dir(GPWATCH_SOURCE_DIR "/config"), GPWATCH_SOURCE_DIR "/config/words");
}

TEST(WordTables, ALineWithoutWordsIsNamedByFileAndLine) {
    const auto dir = fs::temp_directory_path() / ("gpwatch-words-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "record-types.txt") << "# comment\nObservation observation\nFlag\n";
    std::ofstream(dir / "job-roles.txt") << "R8001 nurse\nR8001 nurse again\n";
    const auto load = settings_detail::load_word_tables(dir.string(), "words_dir");
    ASSERT_EQ(load.errors.size(), 1u);
    EXPECT_EQ(load.errors[0].line, 3);
    EXPECT_NE(load.errors[0].file.find("record-types.txt"), std::string::npos);
    ASSERT_EQ(load.warnings.size(), 1u);
    EXPECT_EQ(load.warnings[0].line, 2);
    EXPECT_EQ(load.tables.job_role("R8001"), "nurse") << "the first stands";
    fs::remove_all(dir);
}
