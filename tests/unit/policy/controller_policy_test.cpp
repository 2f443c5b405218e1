// Policy under the controller's settings in full: every kind of content-rule condition, severities
// and deadlines, review-only and type-based standing, feed switches, patient visibility, processor
// drift checks and flag changes. Pure: settings and events in, decisions out.
#include <gtest/gtest.h>

#include "daemon/alerts/verdict_words.hpp"
#include "daemon/policy/policy.hpp"
#include "daemon/policy/processor_drift.hpp"

using namespace gpwatch;
using namespace std::chrono_literals;

namespace {

Settings settings() {
    Settings s;
    s.practice_ods = "C84001";
    s.default_review_within = 21h;
    s.allowed.push_back({"RT5", "Leicestershire Partnership NHS Trust", 4h});
    s.allowed.push_back({"RX1", "Nottingham University Hospitals", 10h + 30min, OrgStatus::review_only});
    s.prohibited.push_back({"RW1", "Midlands Community Care", "withdrawn"});
    s.organisation_types.push_back({"community-pharmacy", OrgStatus::allowed, 21h});
    s.organisation_types.push_back({"social-care", OrgStatus::prohibited, 21h});
    s.organisation_types.push_back({"pcn-hub", OrgStatus::review_only, 10h + 30min});
    s.codesets.push_back({"safeguarding", "", {"1155711000000106"}});
    s.codesets.push_back({"high-risk-medicines", "", {"372756006"}});
    s.codesets.push_back({"online-access", "", {"online-access"}});
    s.codesets.push_back({"online-access-declined", "", {"1290331000000103"}});
    s.codesets.push_back({"enhanced-review", "", {"1364731000000104"}});
    s.codesets.push_back({"enhanced-review-not-indicated", "", {"1364751000000106"}});
    s.codesets.push_back({"opt-out", "", {"827241000000103"}});
    s.codesets.push_back({"empty", "", {}});
    return s;
}

RecordEvent write_by(const std::string& ods, const std::string& org_type = {}) {
    RecordEvent ev;
    ev.kind = EventKind::entry_created;
    ev.practice = "C84001";
    ev.entry_id = "e-1";
    ev.nhs_number = "9434765919";
    ev.author.ods = ods;
    ev.author.name = ods + " name";
    ev.author.org_type = org_type;
    ev.route = "shared-record";
    ev.resource_type = "Observation";
    ev.codes.push_back({"http://snomed.info/sct", "27113001", "Body weight", "Observation"});
    return ev;
}

ContentRule rule(const std::string& name, Severity sev) {
    ContentRule r;
    r.name = name;
    r.severity = sev;
    return r;
}

const Verdict* find(const policy::Decision& d, Reason r) {
    for (const auto& v : d.verdicts)
        if (v.reason == r) return &v;
    return nullptr;
}

// Evaluates `ev` under settings holding just `r` (plus the base lists); the content verdict, if any.
const Verdict* content(const ContentRule& r, const RecordEvent& ev, policy::Decision& out) {
    auto s = settings();
    s.rules.push_back(r);
    out = policy::evaluate(s, ev);
    return find(out, Reason::content_rule);
}

}  // namespace

TEST(ContentRules, EveryConditionKindMatchesAndRefuses) {
    policy::Decision d;
    auto by_codeset = rule("safeguarding", Severity::urgent);
    by_codeset.codesets = {"safeguarding"};
    auto ev = write_by("RT5", "mental-health-trust");
    EXPECT_FALSE(content(by_codeset, ev, d));
    ev.codes.push_back({"http://snomed.info/sct", "1155711000000106", "Safeguarding concern", "Flag"});
    ASSERT_TRUE(content(by_codeset, ev, d));
    EXPECT_EQ(content(by_codeset, ev, d)->rule, "safeguarding");
    EXPECT_EQ(content(by_codeset, ev, d)->severity, Severity::urgent);

    // Update Record carries medicines and flags apart from codes: a code set sees them too.
    auto meds = rule("meds", Severity::high);
    meds.codesets = {"high-risk-medicines"};
    auto ur = write_by("FA123", "community-pharmacy");
    ur.feed = Feed::update_record;
    ur.route = "update-record";
    ur.resource_type = "Composition";
    EXPECT_FALSE(content(meds, ur, d));
    ur.medicines.push_back({"https://dmd.nhs.uk", "372756006", "Warfarin", "MedicationDispense"});
    EXPECT_TRUE(content(meds, ur, d));

    auto by_feed = rule("pharmacy", Severity::review);
    by_feed.feeds = {"update_record"};
    EXPECT_TRUE(content(by_feed, ur, d));
    EXPECT_FALSE(content(by_feed, write_by("RT5"), d));

    auto by_org = rule("rt5", Severity::high);
    by_org.organisations = {"RT5", "RX1"};
    EXPECT_TRUE(content(by_org, write_by("RT5"), d));
    EXPECT_FALSE(content(by_org, write_by("RY5"), d));

    auto by_type = rule("mh", Severity::high);
    by_type.organisation_types = {"mental-health-trust"};
    EXPECT_TRUE(content(by_type, write_by("RHA", "mental-health-trust"), d));
    EXPECT_FALSE(content(by_type, write_by("RHA", "acute-trust"), d));

    auto by_resource = rule("flags", Severity::high);
    by_resource.resource_types = {"Flag"};
    auto flag = write_by("RT5");
    flag.resource_type = "Flag";
    EXPECT_TRUE(content(by_resource, flag, d));
    EXPECT_FALSE(content(by_resource, write_by("RT5"), d));
    ur.flags.push_back({"http://snomed.info/sct", "1155711000000106", "Safeguarding concern", "Flag"});
    EXPECT_TRUE(content(by_resource, ur, d)) << "a Flag inside an Update Record counts";

    auto by_route = rule("shared", Severity::info);
    by_route.routes = {"shared-record"};
    EXPECT_TRUE(content(by_route, write_by("RT5"), d));
    EXPECT_FALSE(content(by_route, ur, d));
}

TEST(ContentRules, EveryWrittenConditionMustHold) {
    policy::Decision d;
    auto r = rule("mh-flags", Severity::high);
    r.organisation_types = {"mental-health-trust"};
    r.resource_types = {"Flag"};
    auto ev = write_by("RT5", "mental-health-trust");
    EXPECT_FALSE(content(r, ev, d)) << "right type, wrong resource";
    ev.resource_type = "Flag";
    EXPECT_TRUE(content(r, ev, d));
    ev.author.org_type = "community-trust";
    EXPECT_FALSE(content(r, ev, d)) << "right resource, wrong type";
}

TEST(ContentRules, AnEmptyCodeSetNeverMatches) {
    policy::Decision d;
    auto r = rule("nothing", Severity::urgent);
    r.codesets = {"empty"};
    EXPECT_FALSE(content(r, write_by("RT5"), d));
}

TEST(ContentRules, TheLoudestRuleNamesTheVerdictAndTheShortestDeadlineWins) {
    auto s = settings();
    auto quiet = rule("any-rt5", Severity::review);
    quiet.organisations = {"RT5"};
    quiet.review_within = 2h;
    auto loud = rule("safeguarding", Severity::urgent);
    loud.codesets = {"safeguarding"};
    loud.review_within = 1h;
    auto also_loud = rule("flags", Severity::urgent);
    also_loud.resource_types = {"Flag"};
    s.rules = {quiet, loud, also_loud};
    auto ev = write_by("RT5");
    ev.resource_type = "Flag";
    ev.codes.push_back({"http://snomed.info/sct", "1155711000000106", "Safeguarding concern", "Flag"});
    const auto d = policy::evaluate(s, ev);
    const auto* v = find(d, Reason::content_rule);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->rule, "safeguarding") << "the first written among the loudest";
    const auto words = alerts::verdict_words(s, *v);
    EXPECT_NE(words.find("also: any-rt5 flags"), std::string::npos) << words;
    EXPECT_EQ(d.review_within, 1h);
    // A rule never lengthens a deadline.
    s.rules = {quiet};
    s.rules[0].review_within = 10h;
    EXPECT_EQ(policy::evaluate(s, write_by("RT5")).review_within, 4h);
}

TEST(ContentRules, EnteredInErrorRaisesNoContentVerdict) {
    auto s = settings();
    auto r = rule("safeguarding", Severity::urgent);
    r.codesets = {"safeguarding"};
    s.rules = {r};
    auto ev = write_by("RT5");
    ev.kind = EventKind::entry_entered_in_error;
    ev.codes.push_back({"http://snomed.info/sct", "1155711000000106", "Safeguarding concern", "Flag"});
    EXPECT_FALSE(find(policy::evaluate(s, ev), Reason::content_rule));
}

TEST(Standing, ReviewOnlyByCodeAndByTypeIsTrackedAtReviewSeverity) {
    const auto s = settings();
    for (const auto& ev : {write_by("RX1", "acute-trust"), write_by("U83120", "pcn-hub")}) {
        const auto d = policy::evaluate(s, ev);
        ASSERT_EQ(d.verdicts.size(), 1u) << ev.author.ods;
        EXPECT_EQ(d.verdicts[0].reason, Reason::review_tracked);
        EXPECT_EQ(d.verdicts[0].severity, Severity::review);
        EXPECT_EQ(d.review_within, 10h + 30min);
    }
}

TEST(Standing, ATypeDecidesForUnlistedWritersOnly) {
    const auto s = settings();
    auto d = policy::evaluate(s, write_by("L12345", "social-care"));
    ASSERT_TRUE(find(d, Reason::unauthorised_write));
    EXPECT_EQ(find(d, Reason::unauthorised_write)->severity, Severity::urgent);
    d = policy::evaluate(s, write_by("FK719", "community-pharmacy"));
    EXPECT_FALSE(find(d, Reason::unknown_writer));
    EXPECT_EQ(d.review_within, 21h);
    // Listed by code beats the type: RT5 stays allowed with its own 4h even if sent as social care.
    d = policy::evaluate(s, write_by("RT5", "social-care"));
    EXPECT_FALSE(find(d, Reason::unauthorised_write));
    EXPECT_EQ(d.review_within, 4h);
    // Unlisted and of an unconfigured type: unknown.
    EXPECT_TRUE(find(policy::evaluate(s, write_by("RKB", "acute-trust")), Reason::unknown_writer));
}

TEST(FeedSwitches, AWriteOnASwitchedOffFeedIsUnauthorised) {
    auto s = settings();
    s.shared_record.enabled = false;
    const auto d = policy::evaluate(s, write_by("RT5"));
    ASSERT_TRUE(find(d, Reason::unauthorised_write));
    EXPECT_NE(alerts::verdict_words(s, *find(d, Reason::unauthorised_write))
                  .find("Shared-record writing is switched off"),
              std::string::npos);
    // Both causes at once share one sentence (the ledger keeps one verdict per reason).
    const auto both = policy::evaluate(s, write_by("RW1"));
    const auto* v = find(both, Reason::unauthorised_write);
    ASSERT_TRUE(v);
    const auto words = alerts::verdict_words(s, *v);
    EXPECT_NE(words.find("switched off"), std::string::npos);
    EXPECT_NE(words.find("prohibited"), std::string::npos);
}

TEST(FeedSwitches, TheFeedsDeadlineAppliesWhenNeitherOrganisationNorTypeSays) {
    auto s = settings();
    s.update_record.review_within = 2h;
    auto ev = write_by("FZ999");
    ev.feed = Feed::update_record;
    EXPECT_EQ(policy::evaluate(s, ev).review_within, 2h);
    ev.author.org_type = "community-pharmacy";
    EXPECT_EQ(policy::evaluate(s, ev).review_within, 21h) << "the type comes first";
}

TEST(Visibility, OnlyOnlineAccessWithoutEnhancedReviewAndWithoutNopatIsVisible) {
    const auto s = settings();
    policy::Facts facts;
    EXPECT_FALSE(find(policy::evaluate(s, write_by("RT5"), facts), Reason::patient_visible_before_review));
    facts.patient.online_access = true;
    const auto visible = policy::evaluate(s, write_by("RT5"), facts);  // kept: v points into it
    const auto* v = find(visible, Reason::patient_visible_before_review);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->severity, Severity::high);
    auto nopat = write_by("RT5");
    nopat.nopat = true;
    EXPECT_FALSE(find(policy::evaluate(s, nopat, facts), Reason::patient_visible_before_review));
    facts.patient.enhanced_review = true;
    EXPECT_FALSE(find(policy::evaluate(s, write_by("RT5"), facts), Reason::patient_visible_before_review));
}

TEST(PatientFlags, FlagsEventsAndWrittenCodesChangeFlags) {
    const auto s = settings();
    RecordEvent ev;
    ev.kind = EventKind::patient_flags;
    ev.nhs_number = "9434765919";
    ev.flags_added = {{"urn:gpwatch:flag", "online-access", "", ""},
                      {"http://snomed.info/sct", "827241000000103", "", ""}};
    ev.flags_removed = {{"http://snomed.info/sct", "1364731000000104", "", ""}};
    auto d = policy::evaluate(s, ev);
    EXPECT_EQ(d.action, policy::Decision::Action::patient_flags);
    policy::PatientFlags flags;
    flags.enhanced_review = true;
    for (const auto& c : d.flag_changes) flags.apply(c.flag, c.on);
    EXPECT_TRUE(flags.online_access);
    EXPECT_TRUE(flags.type1_opt_out);
    EXPECT_FALSE(flags.enhanced_review);
    EXPECT_TRUE(flags.visible_online());

    // A code that clears a flag, written by an outsider: the write's own decision carries it.
    auto declined = write_by("RT5");
    declined.codes.push_back(
        {"http://snomed.info/sct", "1290331000000103", "Online access declined", "Observation"});
    d = policy::evaluate(s, declined);
    ASSERT_EQ(d.flag_changes.size(), 1u);
    EXPECT_EQ(d.flag_changes[0].flag, policy::PatientFlag::online_access);
    EXPECT_FALSE(d.flag_changes[0].on);

    // The practice's own entry is no write, but its codes still change the flags.
    auto own = write_by("C84001");
    own.codes.push_back(
        {"http://snomed.info/sct", "1364751000000106", "Enhanced review not indicated", "Observation"});
    d = policy::evaluate(s, own);
    EXPECT_EQ(d.action, policy::Decision::Action::patient_flags);
    EXPECT_TRUE(d.verdicts.empty());
    // Without the code sets nothing changes.
    EXPECT_EQ(policy::evaluate(Settings{}, ev).flag_changes.size(), 0u);
}

TEST(ProcessorDrift, EveryKindOfSettingComparedWithTheExpectation) {
    auto s = settings();
    s.processor.update_record = true;
    s.processor.share_in_allowed = {"RT5"};
    s.processor.share_in_prohibited = {"RW1"};
    s.processor.active_agreements = {"Shared care"};
    struct Case {
        std::string setting, value, ods, agreement, expected;
        bool in_line;
    };
    const Case cases[] = {
        {"update-record", "on", "", "", "on", true},
        {"update-record", "off", "", "", "on", false},
        {"share-in", "allowed", "RT5", "", "allowed", true},
        {"share-in", "prohibited", "RT5", "", "allowed", false},
        {"share-in", "removed", "RT5", "", "allowed", false},
        {"share-in", "prohibited", "RW1", "", "prohibited", true},
        {"share-in", "allowed", "RW1", "", "prohibited", false},
        {"share-in", "removed", "RW1", "", "prohibited", false},
        {"share-in", "allowed", "RKB", "", "removed", false},
        {"share-in", "removed", "RKB", "", "removed", true},
        {"share-in", "prohibited", "RKB", "", "removed", true},
        {"agreement", "active", "", "Shared care", "active", true},
        {"agreement", "inactive", "", "Shared care", "active", false},
        {"agreement", "active", "", "Research", "inactive", false},
        {"agreement", "inactive", "", "Research", "inactive", true},
    };
    for (const auto& c : cases) {
        RecordEvent ev;
        ev.kind = EventKind::sharing_changed;
        ev.setting = c.setting;
        ev.setting_value = c.value;
        ev.setting_ods = c.ods;
        ev.setting_agreement = c.agreement;
        ev.changed_by_kind = "practice-user";
        ev.changed_by_name = "Practice Manager";
        ev.changed_by_user_id = "u-0077";
        const auto d = policy::evaluate(s, ev);
        const std::string what = c.setting + " " + c.ods + c.agreement + " " + c.value;
        ASSERT_EQ(d.action, policy::Decision::Action::processor_change) << what;
        ASSERT_TRUE(d.processor) << what;
        EXPECT_EQ(d.processor->expected, c.expected) << what;
        EXPECT_EQ(d.processor->in_line, c.in_line) << what;
        EXPECT_EQ(d.verdicts.empty(), c.in_line) << what;
        if (!c.in_line) {
            EXPECT_EQ(d.verdicts[0].reason, Reason::processor_drift);
            EXPECT_EQ(d.verdicts[0].severity, Severity::urgent);
            const auto words = alerts::verdict_words(s, d.verdicts[0]);
            EXPECT_NE(words.find("Practice Manager (practice user u-0077)"), std::string::npos) << words;
        }
    }
    // Settings this build does not know, or a share-in naming no organisation: nothing to judge.
    RecordEvent odd;
    odd.kind = EventKind::sharing_changed;
    odd.setting = "auto-file";
    EXPECT_EQ(policy::evaluate(s, odd).action, policy::Decision::Action::ignore);
    odd.setting = "share-in";
    EXPECT_EQ(policy::evaluate(s, odd).action, policy::Decision::Action::ignore);
}

TEST(ProcessorDrift, WhoChangedIt) {
    RecordEvent ev;
    ev.changed_by_kind = "supplier";
    EXPECT_EQ(alerts::changed_by(ev), "the system supplier");
    ev.changed_by_name = "TPP";
    EXPECT_EQ(alerts::changed_by(ev), "TPP (the system supplier)");
    ev = {};
    EXPECT_EQ(alerts::changed_by(ev), "someone the clinical system did not name");
}

TEST(Escalation, TheVerdictIsLouderAndNamedEscalation) {
    auto s = settings();
    s.escalation.enabled = true;
    s.escalation.after = 4h;
    s.escalation.severity = Severity::high;
    const auto v = policy::escalation_verdict(s, "RT5", "Leicestershire Partnership NHS Trust", 4h);
    EXPECT_EQ(v.reason, Reason::unreviewed_escalated);
    EXPECT_EQ(v.severity, Severity::high);
    EXPECT_EQ(v.rule, "escalation");
    const auto words = alerts::verdict_words(s, v);
    EXPECT_NE(words.find("4h of working time after that deadline"), std::string::npos) << words;
}

TEST(NotUpdateRecord, IsRecordedAtInfoAndNeverAlerted) {
    RecordEvent ev;
    ev.feed = Feed::update_record;
    ev.kind = EventKind::not_update_record;
    MeshDelivery envelope;
    envelope.workflow_id = "PATH_MEDRPT_V3";
    ev.mesh = envelope;
    const auto d = policy::evaluate(settings(), ev);
    EXPECT_EQ(d.action, policy::Decision::Action::record_only);
    ASSERT_EQ(d.verdicts.size(), 1u);
    EXPECT_FALSE(reason_alerts(d.verdicts[0].reason));
}
