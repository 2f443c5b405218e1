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

// The shipped word tables' way of saying things (config/words/).
Settings settings_with_words() {
    Settings s = settings();
    s.words.record_types = {{"Observation", "observation"}, {"DocumentReference", "document"}, {"Flag", "flag"},
                            {"MedicationDispense", "medicine supplied"}};
    s.words.job_roles = {{"R8001", "nurse"}, {"R8000", "clinical practitioner"}};
    return s;
}

WriteRecord update_record_with_flag() {
    WriteRecord w = write_from_rw1();
    w.feed = Feed::update_record;
    w.upstream_id = "pf-0042";
    w.author = {"FA123", "Riverside Pharmacy", "community-pharmacy", "", ""};
    w.resource_type = "Composition";
    w.codes = {{"http://snomed.info/sct", "1577041000000109", "Pharmacy First service", "Composition"}};
    return w;
}

}  // namespace

TEST(AlertComposer, SaysWhatFromWhomForWhichPatientWhenAndWhy) {
    Verdict v{Reason::unauthorised_write, Severity::urgent, "RW1 is prohibited from writing."};
    auto t = alerts::compose(settings(), write_from_rw1(), v);
    EXPECT_EQ(t.subject,
              "[URGENT] Unauthorised write by Midlands Community Care NHS Trust (RW1) - Observation");
    EXPECT_NE(t.body.find("Seen by community mental health team (code 225368008)"), std::string::npos);
    EXPECT_NE(t.body.find("From:     Midlands Community Care NHS Trust (RW1), community trust, user u-5521 (role R8000)"),
              std::string::npos)
        << "without word tables, the code as it is";
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

TEST(AlertComposer, AContentRuleSubjectNamesTheRuleAndWhatMatched) {
    Verdict v{Reason::content_rule, Severity::urgent, "Content rule 'safeguarding' matched."};
    v.rule = "safeguarding";
    v.matched_display = "At risk of domestic abuse";
    v.matched_resource = "Flag";
    auto t = alerts::compose(settings_with_words(), update_record_with_flag(), v);
    EXPECT_EQ(t.subject, "[URGENT] Safeguarding flag from Riverside Pharmacy (FA123): At risk of domestic abuse");
    EXPECT_NE(t.body.find("Matched:  Safeguarding flag (rule safeguarding): At risk of domestic abuse"),
              std::string::npos)
        << t.body;
}

TEST(AlertComposer, AContentRuleTitleFromTheSettingsStandsAsWritten) {
    Verdict v{Reason::content_rule, Severity::high, "x"};
    v.rule = "high-risk-medicine";
    v.rule_title = "High-risk medicine";
    v.matched_display = "Warfarin 1mg tablets";
    v.matched_resource = "MedicationDispense";
    auto t = alerts::compose(settings_with_words(), update_record_with_flag(), v);
    EXPECT_EQ(t.subject, "[HIGH] High-risk medicine from Riverside Pharmacy (FA123): Warfarin 1mg tablets");
    // Without a title: the rule's name in words, and the kind of record unless the name says it.
    v.rule_title.clear();
    v.rule = "mental-health-flag";
    v.matched_resource = "Flag";
    v.matched_display = "Risk of self harm";
    t = alerts::compose(settings_with_words(), write_from_rw1(), v);
    EXPECT_EQ(t.subject, "[HIGH] Mental health flag from Midlands Community Care NHS Trust (RW1): Risk of self harm");
}

TEST(AlertComposer, RecordTypesAndJobRolesInPlainWords) {
    auto w = write_from_rw1();
    w.resource_type = "DocumentReference";
    w.author.user_role = "R8001";
    w.author.user_id = "u-1104";
    auto t = alerts::compose(settings_with_words(), w, {Reason::unknown_writer, Severity::high, "x"});
    EXPECT_EQ(t.subject, "[HIGH] Write by an unlisted organisation: Midlands Community Care NHS Trust (RW1) - Document");
    EXPECT_NE(t.body.find("What:     Document: Seen by community mental health team"), std::string::npos) << t.body;
    EXPECT_NE(t.body.find(", user u-1104 (nurse)"), std::string::npos) << t.body;
    EXPECT_EQ(t.body.find("R8001"), std::string::npos);
    EXPECT_EQ(t.body.find("DocumentReference"), std::string::npos);
}

TEST(AlertComposer, AnUnreadableMessageNamesItsMeshSender) {
    auto w = write_from_rw1();
    w.parse_error = "not XML or JSON";
    Verdict v{Reason::unparseable_message, Severity::high, "x"};
    auto t = alerts::compose(settings(), w, v, {"FA123OT001"});
    EXPECT_EQ(t.subject, "[HIGH] Unreadable message quarantined from MESH mailbox FA123OT001");
    EXPECT_NE(t.body.find("From:     MESH mailbox FA123OT001"), std::string::npos) << t.body;
    t = alerts::compose(settings(), w, v);
    EXPECT_EQ(t.subject, "[HIGH] Unreadable message quarantined from an unknown sender");
}
