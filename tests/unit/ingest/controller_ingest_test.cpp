// RecordIngest applying the controller's settings against a real SQLite ledger: the Update Record
// switch and replacements, content rules named in verdicts and alerts, patient flags and
// visibility before review, processor drift opening and closing, escalation once, and deadlines
// recomputed on reload without alerting again.

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger_reader.hpp"

using namespace gpwatch;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000;  // 2027-01-15T08:00:00Z, a Friday; every hour counts below

Settings base_settings() {
    Settings s;
    s.practice_ods = "C84001";
    s.practice_name = "Example Medical Practice";
    s.default_review_within = 8h;
    for (auto& d : s.calendar.hours.days) d = DayHours{0min, 24h};  // every hour counts
    s.allowed.push_back({"RT5", "Leicestershire Partnership NHS Trust", 4h});
    s.prohibited.push_back({"RW1", "Midlands Community Care NHS Trust", "access withdrawn"});
    s.update_record.review_within = 2h;
    s.codesets.push_back({"safeguarding", "", {"999002381000000108"}});
    s.codesets.push_back({"online-access", "", {"online-access"}});
    s.codesets.push_back({"enhanced-review", "", {"1364731000000104"}});
    s.codesets.push_back({"enhanced-review-not-indicated", "", {"1364751000000106"}});
    ContentRule safeguarding;
    safeguarding.name = "safeguarding-any-writer";
    safeguarding.codesets = {"safeguarding"};
    safeguarding.severity = Severity::urgent;
    safeguarding.review_within = 1h;
    s.rules.push_back(safeguarding);
    s.processor.update_record = true;
    s.processor.share_in_allowed = {"RT5"};
    s.processor.share_in_prohibited = {"RW1"};
    s.processor.active_agreements = {"Leicester shared care"};
    return s;
}

SysSeconds at(std::int64_t offset) {
    return SysSeconds{std::chrono::seconds{kT0 + offset}};
}

RecordEvent entry(std::uint64_t seq, const std::string& id, const std::string& ods, std::int64_t offset = 0) {
    RecordEvent ev;
    ev.seq = seq;
    ev.kind = EventKind::entry_created;
    ev.practice = "C84001";
    ev.entry_id = id;
    ev.nhs_number = "9434765919";
    ev.nhs_number_valid = true;
    ev.author.ods = ods;
    ev.author.name = ods + " name";
    ev.route = "shared-record";
    ev.resource_type = "Observation";
    ev.codes.push_back(
        {"http://snomed.info/sct", "225368008", "Seen by community mental health team", "Observation"});
    ev.time = at(offset);
    return ev;
}

// An Update Record message from a community pharmacy, as connectors/update_record makes it.
RecordEvent update_record(const std::string& message_id, const std::string& document_id,
                          const std::string& replaces = {}, std::int64_t offset = 0) {
    RecordEvent ev;
    ev.feed = Feed::update_record;
    ev.kind = EventKind::entry_created;
    ev.practice = "C84001";
    ev.entry_id = message_id;
    ev.update_record.document_id = document_id;
    ev.update_record.replaces = replaces;
    mesh_part(ev).message_id = "MESH-" + message_id;
    ev.mesh->workflow_id = "GPCONNECT_UPDATE_RECORD";
    ev.update_record.sender_mailbox = "FQW30OT001";
    ev.nhs_number = "9434765919";
    ev.nhs_number_valid = true;
    ev.author = {"FQW30", "Example Pharmacy", "community-pharmacy", "", ""};
    ev.route = "update-record";
    ev.resource_type = "Composition";
    ev.update_record.service_code = "1577041000000109";
    ev.codes.push_back({"http://snomed.info/sct", "1090711000000102", "Uncomplicated UTI", "Condition"});
    ev.time = at(offset);
    return ev;
}

RecordEvent reviewed(std::uint64_t seq, const std::string& kind, const std::string& id, bool filed = true) {
    RecordEvent ev;
    ev.seq = seq;
    ev.kind = filed ? EventKind::workflow_filed : EventKind::workflow_rejected;
    ev.practice = "C84001";
    ev.item_kind = kind;
    ev.item_id = id;
    ev.reviewer = {"u-0042", "R0260", "Example GP"};
    ev.time = at(600);
    return ev;
}

RecordEvent flags(std::uint64_t seq, std::vector<std::string> added, std::vector<std::string> removed = {}) {
    RecordEvent ev;
    ev.seq = seq;
    ev.kind = EventKind::patient_flags;
    ev.practice = "C84001";
    ev.nhs_number = "9434765919";
    for (auto& c : added) ev.flags_added.push_back({"urn:gpwatch:flag", c, "", ""});
    for (auto& c : removed) ev.flags_removed.push_back({"urn:gpwatch:flag", c, "", ""});
    ev.time = at(0);
    return ev;
}

RecordEvent sharing(std::uint64_t seq, const std::string& setting, const std::string& value,
                    const std::string& ods = {}, const std::string& agreement = {}) {
    RecordEvent ev;
    ev.seq = seq;
    ev.kind = EventKind::sharing_changed;
    ev.practice = "C84001";
    ev.setting = setting;
    ev.setting_value = value;
    ev.setting_ods = ods;
    ev.setting_agreement = agreement;
    ev.changed_by_kind = "supplier";
    ev.changed_by_name = "System Supplier Ltd";
    ev.time = at(static_cast<std::int64_t>(seq));
    return ev;
}

class ControllerIngestTest : public ::testing::Test {
protected:
    void SetUp() override { open(base_settings()); }
    void open(Settings s) {
        dir_ = std::filesystem::temp_directory_path() /
               ("gpwatch-ctl-ingest-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        active_ = std::make_unique<ActiveSettings>(std::move(s));
        ledger_ = std::make_unique<Ledger>((dir_ / "ledger.sqlite").string(), Ledger::Access::read_write);
        ingest_ = std::make_unique<RecordIngest>(*ledger_, pseudonymiser_);
    }
    void reopen_with(Settings s) {
        ingest_.reset();
        ledger_.reset();
        open(std::move(s));
    }
    void TearDown() override {
        ingest_.reset();
        ledger_.reset();
        std::filesystem::remove_all(dir_);
    }
    IngestResult apply(std::vector<RecordEvent> batch, std::int64_t now = kT0 + 60) {
        return ingest_->apply(*active_, batch, now);
    }
    // The ledger's reasons for one write, as gpwatchctl lists them.
    std::vector<std::string> reasons_of(Feed feed, const std::string& id) {
        auto w = ledger_->find_write(feed, id);
        if (!w) return {};
        for (const auto& l : LedgerReader(*ledger_).writes())
            if (l.id == w->id) return l.reasons;
        return {};
    }
    std::string state_of(Feed feed, const std::string& id) {
        auto w = ledger_->find_write(feed, id);
        return w ? w->review_state : "(none)";
    }
    int alerts_for(std::int64_t write_id, Reason reason) {
        int n = 0;
        for (const auto& a : ledger_->list_alerts())
            if (a.alert.write_id == write_id && a.alert.reason == reason) ++n;
        return n;
    }
    std::string alert_rule(std::int64_t write_id, Reason reason) {
        AlertQuery about;
        about.write_id = write_id;
        for (const auto& a : LedgerReader(*ledger_).alerts(about))
            if (a.alert.reason == reason) return a.alert.rule;
        return "(no alert)";
    }

    std::filesystem::path dir_;
    Pseudonymiser pseudonymiser_{"0123456789abcdef0123456789abcdef"};
    std::unique_ptr<ActiveSettings> active_;
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<RecordIngest> ingest_;
};

using Reasons = std::vector<std::string>;

}  // namespace

// ---- the Update Record switch------------------------------------------------------------

TEST_F(ControllerIngestTest, UpdateRecordSwitchedOffMakesAnyMessageAnUrgentUnauthorisedWrite) {
    auto s = base_settings();
    s.update_record.enabled = false;
    s.allowed.push_back({"FQW30", "Example Pharmacy", 2h});  // even a trusted pharmacy
    reopen_with(std::move(s));
    auto r = apply({update_record("msg-1", "doc-1")});
    EXPECT_EQ(r.writes_recorded, 1);
    EXPECT_EQ(reasons_of(Feed::update_record, "msg-1"), (Reasons{"review_tracked", "unauthorised_write"}));
    auto w = ledger_->find_write(Feed::update_record, "msg-1");
    ASSERT_TRUE(w);
    ASSERT_EQ(alerts_for(w->id, Reason::unauthorised_write), 1);
    for (const auto& a : ledger_->list_alerts()) {
        EXPECT_EQ(a.alert.severity, Severity::urgent);
        EXPECT_NE(a.alert.body.find("switched off"), std::string::npos) << a.alert.body;
    }
}

TEST_F(ControllerIngestTest, UpdateRecordSwitchedOnIsTrackedWithItsOwnDeadline) {
    // The pharmacy is neither listed nor of a configured type: the feed's own deadline applies.
    auto r = apply({update_record("msg-1", "doc-1")});
    ASSERT_EQ(r.deadlines.size(), 1u);
    EXPECT_EQ(r.deadlines[0].second, kT0 + 2 * 3600) << "feeds.update_record.review_within: 2h";
    auto w = ledger_->find_write(Feed::update_record, "msg-1");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->review_state, "unreviewed");
    EXPECT_EQ(w->review_within_s, 2 * 3600);
    EXPECT_EQ(reasons_of(Feed::update_record, "msg-1"), (Reasons{"review_tracked", "unknown_writer"}));
    auto link = ingest_->controller_ledger().link_of(w->id);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->document_id, "doc-1");
}

TEST_F(ControllerIngestTest, AKnownPharmacyTypeIsTrackedWithoutUnknownWriter) {
    auto s = base_settings();
    s.organisation_types.push_back({"community-pharmacy", OrgStatus::allowed, 3h});
    reopen_with(std::move(s));
    auto r = apply({update_record("msg-1", "doc-1")});
    EXPECT_EQ(reasons_of(Feed::update_record, "msg-1"), (Reasons{"review_tracked"}));
    ASSERT_EQ(r.deadlines.size(), 1u);
    EXPECT_EQ(r.deadlines[0].second, kT0 + 3 * 3600) << "the type's deadline comes before the feed's";
    EXPECT_EQ(r.alerts_created, 0);
}

TEST_F(ControllerIngestTest, WorkflowFiledNamingTheMessageIdClosesTheUpdateRecord) {
    apply({update_record("msg-1", "doc-1"), update_record("msg-2", "doc-2")});
    // An item.kind "entry" with the same id is a different thing: it must not close the message.
    auto r = apply({reviewed(10, "entry", "msg-1")});
    EXPECT_TRUE(r.closed.empty());
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "unreviewed");

    r = apply({reviewed(11, "update-record", "msg-1"), reviewed(12, "update-record", "msg-2", false)});
    EXPECT_EQ(r.closed.size(), 2u);
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "filed");
    EXPECT_EQ(state_of(Feed::update_record, "msg-2"), "rejected");
    EXPECT_EQ(ledger_->find_write(Feed::update_record, "msg-1")->reviewed_by, "Example GP");
}

TEST_F(ControllerIngestTest, AReviewThatArrivesBeforeItsUpdateRecordClosesItOnArrival) {
    apply({reviewed(10, "update-record", "msg-1")});
    apply({update_record("msg-1", "doc-1")});
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "filed");
}

TEST_F(ControllerIngestTest, AReplacementIsLinkedAndClosesWhatItReplaces) {
    auto first = apply({update_record("msg-1", "doc-1")});
    ASSERT_EQ(first.deadlines.size(), 1u);
    const auto old_id = first.deadlines[0].first;
    auto r = apply({update_record("msg-2", "doc-2", "msg-1", 300)});
    ASSERT_EQ(r.closed, std::vector<std::int64_t>{old_id}) << "the review clock must forget msg-1";
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "replaced");
    EXPECT_EQ(state_of(Feed::update_record, "msg-2"), "unreviewed");
    auto new_id = ledger_->find_write(Feed::update_record, "msg-2")->id;
    EXPECT_EQ(ingest_->controller_ledger().link_of(old_id)->replaced_by, new_id);
    EXPECT_EQ(ingest_->controller_ledger().link_of(new_id)->replaces, "msg-1");
    EXPECT_NE(ledger_->find_write(Feed::update_record, "msg-1")->reviewed_by.find("msg-2"),
              std::string::npos);

    // The replaced message's review no longer raises an overdue alert.
    EXPECT_EQ(ingest_->raise_overdue(*active_, {old_id}, kT0 + 10 * 3600), 0);
}

TEST_F(ControllerIngestTest, AReplacementMayNameTheDocumentItReplaces) {
    apply({update_record("msg-1", "doc-1")});
    apply({update_record("msg-2", "doc-2", "doc-1", 300)});
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "replaced");
}

TEST_F(ControllerIngestTest, AReplacementThatArrivesFirstClosesTheEarlierMessageOnArrival) {
    apply({update_record("msg-2", "doc-2", "msg-1", 300)});
    auto r = apply({update_record("msg-1", "doc-1")});
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "replaced");
    EXPECT_TRUE(r.deadlines.empty()) << "a replaced message has no review to wait for";
    EXPECT_EQ(state_of(Feed::update_record, "msg-2"), "unreviewed");
}

TEST_F(ControllerIngestTest, ReplacingAReviewedMessageLeavesItsReviewAlone) {
    apply({update_record("msg-1", "doc-1")});
    apply({reviewed(10, "update-record", "msg-1")});
    auto r = apply({update_record("msg-2", "doc-2", "msg-1", 900)});
    EXPECT_TRUE(r.closed.empty());
    EXPECT_EQ(state_of(Feed::update_record, "msg-1"), "filed");
}

TEST_F(ControllerIngestTest, AMessageThatIsNotAnUpdateRecordIsRecordedWithoutAlert) {
    auto ev = update_record("msg-9", "doc-9");
    ev.kind = EventKind::not_update_record;
    mesh_part(ev).workflow_id = "PATHOLOGY_REPORT";
    auto r = apply({ev});
    EXPECT_EQ(r.alerts_created, 0);
    EXPECT_EQ(r.writes_recorded, 0);
    EXPECT_TRUE(ledger_->list_alerts().empty());
}

// ---- content rules -------------------------------------------------------------------------

TEST_F(ControllerIngestTest, AContentRuleNamesItselfInTheVerdictAndTheAlertAndShortensTheDeadline) {
    auto ev = entry(1, "e-1", "RT5");
    ev.codes.push_back({"http://snomed.info/sct", "999002381000000108", "Safeguarding issue", "Flag"});
    auto r = apply({ev});
    auto w = ledger_->find_write(Feed::clinical, "e-1");
    ASSERT_TRUE(w);
    EXPECT_EQ(reasons_of(Feed::clinical, "e-1"), (Reasons{"review_tracked", "content_rule"}));
    EXPECT_EQ(ingest_->controller_ledger().verdict_rule(w->id, Reason::content_rule),
              "safeguarding-any-writer");
    EXPECT_EQ(alert_rule(w->id, Reason::content_rule), "safeguarding-any-writer");
    ASSERT_EQ(r.deadlines.size(), 1u);
    EXPECT_EQ(r.deadlines[0].second, kT0 + 3600) << "the rule's 1h beats RT5's 4h";
}

TEST_F(ControllerIngestTest, NoContentRuleWhenNoCodeMatches) {
    apply({entry(1, "e-1", "RT5")});
    EXPECT_EQ(reasons_of(Feed::clinical, "e-1"), (Reasons{"review_tracked"}));
    EXPECT_TRUE(ledger_->list_alerts().empty());
}

// ---- patient flags -------------------------------------------------------------------------

TEST_F(ControllerIngestTest, AWriteOnAPatientWhoSeesTheirRecordOnlineIsVisibleBeforeReview) {
    auto r = apply({flags(1, {"online-access"}), entry(2, "e-1", "RT5")});
    EXPECT_EQ(r.flags_changed, 1);
    EXPECT_EQ(reasons_of(Feed::clinical, "e-1"),
              (Reasons{"review_tracked", "patient_visible_before_review"}));
    auto w = ledger_->find_write(Feed::clinical, "e-1");
    EXPECT_EQ(alerts_for(w->id, Reason::patient_visible_before_review), 1);
}

TEST_F(ControllerIngestTest, NopatAndEnhancedReviewKeepAWriteFromThePatientsEyes) {
    auto nopat = entry(2, "e-1", "RT5");
    nopat.nopat = true;
    apply({flags(1, {"online-access"}), nopat});
    EXPECT_EQ(reasons_of(Feed::clinical, "e-1"), (Reasons{"review_tracked"}));

    apply({flags(3, {"1364731000000104"}), entry(4, "e-2", "RT5")});
    EXPECT_EQ(reasons_of(Feed::clinical, "e-2"), (Reasons{"review_tracked"}))
        << "enhanced review blocks access";

    apply({flags(5, {"1364751000000106"}), entry(6, "e-3", "RT5")});
    EXPECT_EQ(reasons_of(Feed::clinical, "e-3"),
              (Reasons{"review_tracked", "patient_visible_before_review"}));

    apply({flags(7, {}, {"online-access"}), entry(8, "e-4", "RT5")});
    EXPECT_EQ(reasons_of(Feed::clinical, "e-4"), (Reasons{"review_tracked"})) << "access switched off again";
}

TEST_F(ControllerIngestTest, FlagCodesInTheFirstWriteCountFromTheNextOne) {
    auto enable = entry(1, "e-1", "C84001");  // the practice's own entry switching access on
    enable.codes = {{"urn:gpwatch:flag", "online-access", "Online access enabled", "Flag"}};
    auto r = apply({enable, entry(2, "e-2", "RT5")});
    EXPECT_EQ(r.flags_changed, 1);
    EXPECT_FALSE(ledger_->find_write(Feed::clinical, "e-1")) << "own-practice entries are not writes";
    EXPECT_EQ(reasons_of(Feed::clinical, "e-2"),
              (Reasons{"review_tracked", "patient_visible_before_review"}));
}

// ---- processor drift -----------------------------------------------------------------------

TEST_F(ControllerIngestTest, ProcessorDriftOpensOnceNamingWhoAndClosesWhenBackInLine) {
    auto r = apply({sharing(1, "update-record", "off")});
    EXPECT_EQ(r.drifts_opened, 1);
    EXPECT_EQ(r.alerts_created, 1);
    auto state = ingest_->controller_ledger().processor_state("update-record");
    ASSERT_TRUE(state);
    ASSERT_NE(state->drift_write_id, 0);
    const auto drift = state->drift_write_id;
    EXPECT_EQ(ledger_->get_write(drift)->review_state, "drift-open");
    auto alerts = ledger_->list_alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].alert.reason, Reason::processor_drift);
    EXPECT_EQ(alerts[0].alert.severity, Severity::urgent);
    EXPECT_NE(alerts[0].alert.body.find("System Supplier Ltd"), std::string::npos) << alerts[0].alert.body;
    EXPECT_NE(alerts[0].alert.body.find("'off'"), std::string::npos);

    // Reported again while still off: the same drift, no second alert.
    r = apply({sharing(2, "update-record", "off")});
    EXPECT_EQ(r.drifts_opened, 0);
    EXPECT_EQ(r.alerts_created, 0);

    // Back on: the drift closes.
    r = apply({sharing(3, "update-record", "on")});
    EXPECT_EQ(r.drifts_closed, 1);
    EXPECT_EQ(ledger_->get_write(drift)->review_state, "drift-closed");
    EXPECT_EQ(ingest_->controller_ledger().processor_state("update-record")->drift_write_id, 0);

    // Off again: a new episode, a new alert.
    r = apply({sharing(4, "update-record", "off")});
    EXPECT_EQ(r.drifts_opened, 1);
    EXPECT_EQ(r.alerts_created, 1);
    EXPECT_EQ(ledger_->list_alerts().size(), 2u);
}

TEST_F(ControllerIngestTest, EveryDriftCase) {
    struct Case {
        const char* setting;
        const char* value;
        const char* ods;
        const char* agreement;
        bool drift;
    };
    const Case cases[] = {
        {"update-record", "on", "", "", false},
        {"update-record", "off", "", "", true},
        {"share-in", "allowed", "RT5", "", false},    // allowed, as the practice says
        {"share-in", "prohibited", "RT5", "", true},  // an allowed trust blocked
        {"share-in", "removed", "RT5", "", true},
        {"share-in", "prohibited", "RW1", "", false},  // prohibited, as the practice says
        {"share-in", "allowed", "RW1", "", true},      // a prohibited trust let back in
        {"share-in", "removed", "RW1", "", true},
        {"share-in", "allowed", "NTV21", "", true},  // an unlisted organisation let in
        {"share-in", "removed", "NTV21", "", false},
        {"share-in", "prohibited", "NTV21", "", false},
        {"agreement", "active", "", "Leicester shared care", false},
        {"agreement", "inactive", "", "Leicester shared care", true},
        {"agreement", "active", "", "Research extract", true},
        {"agreement", "inactive", "", "Research extract", false},
    };
    std::uint64_t seq = 0;
    for (const auto& c : cases) {
        reopen_with(base_settings());
        auto r = apply({sharing(++seq, c.setting, c.value, c.ods, c.agreement)});
        EXPECT_EQ(r.drifts_opened, c.drift ? 1 : 0)
            << c.setting << " " << c.ods << c.agreement << " " << c.value;
        EXPECT_EQ(r.alerts_created, c.drift ? 1 : 0) << c.setting << " " << c.value;
    }
}

TEST_F(ControllerIngestTest, ADriftClosesOnReloadWhenThePracticeNowAgrees) {
    apply({sharing(1, "update-record", "off")});
    const auto drift = ingest_->controller_ledger().processor_state("update-record")->drift_write_id;
    auto s = base_settings();
    s.processor.update_record = false;  // the practice switched Update Record off too
    ActiveSettings reloaded{std::move(s)};
    ingest_->recompute_deadlines(reloaded);
    EXPECT_EQ(ledger_->get_write(drift)->review_state, "drift-closed");
    EXPECT_EQ(ledger_->list_alerts().size(), 1u) << "a reload alerts nothing";
}

// ---- escalation ----------------------------------------------------------------------------

TEST_F(ControllerIngestTest, EscalationIsRaisedOnceEscalationAfterPastTheDeadline) {
    auto s = base_settings();
    s.escalation.enabled = true;
    s.escalation.after = 2h;
    s.escalation.severity = Severity::urgent;
    reopen_with(std::move(s));
    auto r = apply({entry(1, "e-1", "RT5")});  // deadline kT0 + 4h
    const auto id = r.deadlines.at(0).first;

    std::vector<std::pair<std::int64_t, std::int64_t>> next;
    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 4 * 3600, &next), 1) << "overdue only";
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0], std::make_pair(id, kT0 + 6 * 3600));
    EXPECT_FALSE(ledger_->has_verdict(id, Reason::unreviewed_escalated));

    next.clear();
    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 6 * 3600, &next), 1) << "the escalation";
    EXPECT_TRUE(next.empty());
    EXPECT_EQ(ingest_->controller_ledger().verdict_rule(id, Reason::unreviewed_escalated), "escalation");
    EXPECT_EQ(alerts_for(id, Reason::unreviewed_escalated), 1);
    for (const auto& a : ledger_->list_alerts()) {
        if (a.alert.reason == Reason::unreviewed_escalated) {
            EXPECT_EQ(a.alert.severity, Severity::urgent);
        }
    }

    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 9 * 3600, &next), 0) << "once";
    EXPECT_TRUE(next.empty());

    // On restart or reload the escalated write is not scheduled again.
    for (auto [w, when] : ingest_->recompute_deadlines(*active_)) EXPECT_NE(w, id) << when;
}

TEST_F(ControllerIngestTest, OverdueAndPastEscalationAtOnceIsOneAlertSayingBoth) {
    auto s = base_settings();
    s.escalation.enabled = true;
    s.escalation.after = 2h;
    reopen_with(std::move(s));
    auto r = apply({entry(1, "e-1", "RT5")});  // deadline kT0 + 4h, escalation kT0 + 6h
    const auto id = r.deadlines.at(0).first;
    // gpwatchd was down, or the write is from a replayed backlog: first looked at long after both.
    std::vector<std::pair<std::int64_t, std::int64_t>> next;
    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 30 * 3600, &next), 1) << "one alert, not two";
    EXPECT_TRUE(next.empty());
    EXPECT_TRUE(ledger_->has_verdict(id, Reason::unreviewed_overdue)) << "both verdicts are recorded";
    EXPECT_TRUE(ledger_->has_verdict(id, Reason::unreviewed_escalated));
    EXPECT_EQ(alerts_for(id, Reason::unreviewed_overdue), 0);
    ASSERT_EQ(alerts_for(id, Reason::unreviewed_escalated), 1);
    for (const auto& a : ledger_->list_alerts())
        if (a.alert.reason == Reason::unreviewed_escalated) {
            EXPECT_NE(a.alert.body.find("Overdue since"), std::string::npos) << a.alert.body;
            EXPECT_NE(a.alert.body.find("already past its escalation time"), std::string::npos) << a.alert.body;
        }
    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 31 * 3600, &next), 0) << "and never again";
}

TEST_F(ControllerIngestTest, NoEscalationWhenOffOrReviewed) {
    auto r = apply({entry(1, "e-1", "RT5"), entry(2, "e-2", "RT5")});
    std::vector<std::pair<std::int64_t, std::int64_t>> next;
    EXPECT_EQ(ingest_->raise_overdue(*active_, {r.deadlines[0].first}, kT0 + 20 * 3600, &next), 1);
    EXPECT_TRUE(next.empty()) << "escalation is off by default";

    auto s = base_settings();
    s.escalation.enabled = true;
    s.escalation.after = 1h;
    reopen_with(std::move(s));
    r = apply({entry(1, "e-1", "RT5")});
    const auto id = r.deadlines[0].first;
    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 4 * 3600, &next), 1);
    apply({reviewed(2, "entry", "e-1")});
    EXPECT_EQ(ingest_->raise_overdue(*active_, {id}, kT0 + 9 * 3600, &next), 0);
}

// ---- reload --------------------------------------------------------------------------------

TEST_F(ControllerIngestTest, ReloadRecomputesDeadlinesByTypeFeedAndRuleWithoutAlertingAgain) {
    auto pharmacy = update_record("msg-1", "doc-1");
    auto safeguarding = entry(2, "e-2", "RT5");
    safeguarding.codes.push_back({"http://snomed.info/sct", "999002381000000108", "Safeguarding", "Flag"});
    apply({pharmacy, entry(1, "e-1", "RT5"), safeguarding});
    const auto alerts_before = ledger_->list_alerts().size();

    auto s = base_settings();
    s.allowed[0].review_within = 6h;                                                 // RT5
    s.organisation_types.push_back({"community-pharmacy", OrgStatus::allowed, 5h});  // the pharmacy
    s.rules[0].review_within = 30min;                                                // safeguarding rule
    ActiveSettings reloaded{std::move(s)};
    auto next = ingest_->recompute_deadlines(reloaded);
    std::map<std::string, std::int64_t> by_id;
    for (auto [id, when] : next) by_id[ledger_->get_write(id)->upstream_id] = when;
    EXPECT_EQ(by_id["msg-1"], kT0 + 5 * 3600);
    EXPECT_EQ(by_id["e-1"], kT0 + 6 * 3600);
    EXPECT_EQ(by_id["e-2"], kT0 + 1800);
    EXPECT_EQ(ledger_->find_write(Feed::clinical, "e-1")->deadline_at, kT0 + 6 * 3600);
    EXPECT_EQ(ledger_->list_alerts().size(), alerts_before) << "recomputing alerts nothing";
}
