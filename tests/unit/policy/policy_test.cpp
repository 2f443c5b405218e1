#include "daemon/policy/policy.hpp"

#include "daemon/alerts/verdict_words.hpp"

#include <gtest/gtest.h>

using namespace gpwatch;
using namespace std::chrono_literals;

namespace {

Settings practice_settings() {
    Settings s;
    s.practice_ods = "C84001";
    s.practice_name = "Example Medical Practice";
    s.default_review_within = 21h;
    s.allowed.push_back({"RT5", "Leicestershire Partnership NHS Trust", 4h});
    s.prohibited.push_back({"RW1", "Midlands Community Care NHS Trust", "access withdrawn 2026-03-01"});
    return s;
}

RecordEvent entry_by(const std::string& ods, EventKind kind = EventKind::entry_created) {
    RecordEvent ev;
    ev.seq = 7;
    ev.kind = kind;
    ev.practice = "C84001";
    ev.entry_id = "e-1";
    ev.nhs_number = "9434765919";
    ev.author.ods = ods;
    ev.author.name = "Some Organisation";
    ev.resource_type = "Observation";
    return ev;
}

std::vector<Reason> reasons(const policy::Decision& d) {
    std::vector<Reason> out;
    for (const auto& v : d.verdicts) out.push_back(v.reason);
    return out;
}

}  // namespace

TEST(Policy, OwnPracticeWriteIsNotAThirdPartyWrite) {
    auto d = policy::evaluate(practice_settings(), entry_by("C84001"));
    EXPECT_EQ(d.action, policy::Decision::Action::ignore);
    EXPECT_TRUE(d.verdicts.empty());
}

TEST(Policy, AllowedOrganisationIsTrackedWithItsOwnDeadline) {
    auto d = policy::evaluate(practice_settings(), entry_by("RT5"));
    EXPECT_EQ(d.action, policy::Decision::Action::track_write);
    EXPECT_EQ(reasons(d), std::vector<Reason>{Reason::review_tracked});
    EXPECT_EQ(d.review_within, 4h);
}

TEST(Policy, ProhibitedOrganisationIsAnUrgentUnauthorisedWrite) {
    auto d = policy::evaluate(practice_settings(), entry_by("RW1"));
    EXPECT_EQ(d.action, policy::Decision::Action::track_write);
    ASSERT_EQ(reasons(d), (std::vector<Reason>{Reason::review_tracked, Reason::unauthorised_write}));
    EXPECT_EQ(d.verdicts[1].severity, Severity::urgent);
    EXPECT_NE(alerts::verdict_words(practice_settings(), d.verdicts[1]).find("access withdrawn 2026-03-01"),
              std::string::npos);
    EXPECT_EQ(d.review_within, 21h) << "a prohibited writer gets the default deadline";
}

TEST(Policy, UnlistedOrganisationIsAnUnknownWriter) {
    auto d = policy::evaluate(practice_settings(), entry_by("NTV21"));
    ASSERT_EQ(reasons(d), (std::vector<Reason>{Reason::review_tracked, Reason::unknown_writer}));
    EXPECT_EQ(d.verdicts[1].severity, Severity::high);
    EXPECT_EQ(d.review_within, 21h);
}

TEST(Policy, AmendmentAndEnteredInErrorByOutsidersAreWritesToo) {
    for (auto kind : {EventKind::entry_amended, EventKind::entry_entered_in_error}) {
        auto d = policy::evaluate(practice_settings(), entry_by("RW1", kind));
        EXPECT_EQ(d.action, policy::Decision::Action::track_write) << to_string(kind);
        EXPECT_EQ(reasons(d).back(), Reason::unauthorised_write);
    }
}

TEST(Policy, FiledAndRejectedCloseTheReview) {
    RecordEvent ev;
    ev.kind = EventKind::workflow_filed;
    ev.item_kind = "entry";
    ev.item_id = "e-1";
    auto filed = policy::evaluate(practice_settings(), ev);
    EXPECT_EQ(filed.action, policy::Decision::Action::close_review);
    EXPECT_EQ(filed.review_state, ReviewState::filed);
    ev.kind = EventKind::workflow_rejected;
    EXPECT_EQ(policy::evaluate(practice_settings(), ev).review_state, ReviewState::rejected);
}

TEST(Policy, UnparseableMessageIsQuarantined) {
    RecordEvent ev;
    ev.kind = EventKind::unparseable;
    ev.parse_error = "not JSON";
    auto d = policy::evaluate(practice_settings(), ev);
    EXPECT_EQ(d.action, policy::Decision::Action::quarantine);
    EXPECT_EQ(reasons(d), std::vector<Reason>{Reason::unparseable_message});
}

TEST(Policy, FlagsAndSettingChangesAreNotWrites) {
    // A sharing.changed naming no setting this build knows, and an unknown event: nothing to do.
    for (auto kind : {EventKind::sharing_changed, EventKind::other}) {
        RecordEvent ev;
        ev.kind = kind;
        EXPECT_EQ(policy::evaluate(practice_settings(), ev).action, policy::Decision::Action::ignore);
    }
    // patient.flags changes flags, and is never a write with verdicts of its own.
    RecordEvent flags;
    flags.kind = EventKind::patient_flags;
    auto d = policy::evaluate(practice_settings(), flags);
    EXPECT_EQ(d.action, policy::Decision::Action::patient_flags);
    EXPECT_TRUE(d.verdicts.empty());
}

TEST(Policy, OverdueIsHighAndUrgentForAProhibitedWriter) {
    auto s = practice_settings();
    EXPECT_EQ(policy::overdue_verdict(s, "RT5", "Trust", 4h).severity, Severity::high);
    EXPECT_EQ(policy::overdue_verdict(s, "RW1", "Trust", 21h).severity, Severity::urgent);
    EXPECT_EQ(policy::overdue_verdict(s, "RT5", "Trust", 4h).reason, Reason::unreviewed_overdue);
}

TEST(Policy, IsDeterministic) {
    auto s = practice_settings();
    auto ev = entry_by("NTV21");
    auto a = policy::evaluate(s, ev), b = policy::evaluate(s, ev);
    ASSERT_EQ(a.verdicts.size(), b.verdicts.size());
    for (std::size_t i = 0; i < a.verdicts.size(); ++i) EXPECT_EQ(alerts::verdict_words(s, a.verdicts[i]), alerts::verdict_words(s, b.verdicts[i]));
}
