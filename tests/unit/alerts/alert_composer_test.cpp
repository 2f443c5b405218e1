#include "daemon/alerts/alert_composer.hpp"

#include <gtest/gtest.h>

using namespace gpwatch;

namespace {

WriteRecord write_from_rw1() {
    WriteRecord w;
    w.id = 12;
    w.upstream_id = "e-7f3a9c";
    w.last_event = "entry.created";
    w.author = {"RW1", "Midlands Community Care NHS Trust", "community-trust", "R8000", "u-5521"};
    w.nhs_number = "9434765919";
    w.nhs_number_valid = true;
    w.resource_type = "Observation";
    w.codes.push_back({"http://snomed.info/sct", "225368008", "Seen by community mental health team", "Observation"});
    w.written_at = 1'778'492'527;  // 10:42 in London (BST)
    w.deadline_at = 1'778'492'527 + 4 * 3600;
    w.review_state = "unreviewed";
    return w;
}

Settings settings() {
    Settings s;
    s.practice_ods = "C84001";
    s.practice_name = "Example Medical Practice";
    return s;
}

}  // namespace

TEST(AlertComposer, SaysWhatFromWhomForWhichPatientWhenAndWhy) {
    Verdict v{Reason::unauthorised_write, Severity::urgent, "RW1 is prohibited from writing."};
    auto t = alerts::compose(settings(), write_from_rw1(), v);
    EXPECT_EQ(t.subject,
              "[URGENT] Unauthorised write by Midlands Community Care NHS Trust (RW1) - Observation");
    EXPECT_NE(t.body.find("Seen by community mental health team (code 225368008)"), std::string::npos);
    EXPECT_NE(t.body.find("From:     Midlands Community Care NHS Trust (RW1), community-trust"), std::string::npos);
    EXPECT_NE(t.body.find("Patient:  NHS number 943 476 5919\n"), std::string::npos);
    EXPECT_NE(t.body.find("When:     Mon 11 May 2026 10:42 (Europe/London)"), std::string::npos);
    EXPECT_NE(t.body.find("Review by: Mon 11 May 2026 14:42"), std::string::npos);
    EXPECT_NE(t.body.find("Why it matters: RW1 is prohibited from writing."), std::string::npos);
    EXPECT_NE(t.body.find("What to do:"), std::string::npos);
    EXPECT_EQ(t.subject.find("9434765919"), std::string::npos) << "no NHS number in the subject line";
}

TEST(AlertComposer, WarnsWhenTheNhsNumberFailsItsCheckDigit) {
    auto w = write_from_rw1();
    w.nhs_number = "9434765918";
    w.nhs_number_valid = false;
    auto t = alerts::compose(settings(), w, {Reason::unknown_writer, Severity::high, "x"});
    EXPECT_NE(t.body.find("fails its check digit"), std::string::npos);
    EXPECT_EQ(t.subject.rfind("[HIGH] ", 0), 0u);
}

TEST(AlertComposer, AnUpdateRecordSaysSoAndNamesTheService) {
    WriteRecord w = write_from_rw1();
    w.feed = Feed::update_record;
    w.upstream_id = "bp-0001";
    w.author = {"FX482", "Hillcrest Chemist", "community-pharmacy", "", ""};
    w.resource_type = "Composition";
    w.codes = {{"http://snomed.info/sct", "1659111000000107", "Community Pharmacy Blood Pressure Check Service",
                "Composition"}};
    Verdict v{Reason::unauthorised_write, Severity::urgent, "Update Record is switched off."};
    auto t = alerts::compose(settings(), w, v);
    EXPECT_EQ(t.subject, "[URGENT] Unauthorised write by Hillcrest Chemist (FX482) - Update Record");
    EXPECT_NE(t.body.find("What:     GP Connect Update Record: Community Pharmacy Blood Pressure Check Service "
                          "(code 1659111000000107)"),
              std::string::npos)
        << t.body;
}

TEST(AlertComposer, AnAlertAboutNoPatientHasNoPatientLine) {
    WriteRecord w = write_from_rw1();
    w.nhs_number.clear();
    w.nhs_number_valid = false;
    Verdict v{Reason::processor_drift, Severity::urgent, "Update Record was switched on by the supplier."};
    auto t = alerts::compose(settings(), w, v);
    EXPECT_EQ(t.body.find("Patient:"), std::string::npos) << t.body;
}
