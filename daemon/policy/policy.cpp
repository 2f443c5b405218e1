#include "daemon/policy/policy.hpp"

#include <algorithm>
#include <string>

#include "daemon/policy/processor_drift.hpp"
#include "proto/feed_description.hpp"

namespace gpwatch::policy {

namespace {

// What the practice decided about this writer: by ODS code, else by organisation type.
struct Standing {
    enum class Kind { listed, by_type, unknown } kind = Kind::unknown;
    OrgStatus status = OrgStatus::allowed;
    std::string name;  // the name the settings give, if listed
    std::string why;   // prohibited: why
};

Standing standing_of(const Settings& st, const Author& a) {
    Standing s;
    if (const auto* banned = st.find_prohibited(a.ods)) {
        s.kind = Standing::Kind::listed;
        s.status = OrgStatus::prohibited;
        s.name = banned->name;
        s.why = banned->why;
    } else if (const auto* ok = st.find_allowed(a.ods)) {
        s.kind = Standing::Kind::listed;
        s.status = ok->status;
        s.name = ok->name;
    } else if (const auto* type = a.org_type.empty() ? nullptr : st.find_type(a.org_type)) {
        s.kind = Standing::Kind::by_type;
        s.status = type->status;
    }
    return s;
}

const FeedSwitch& switch_of(const Settings& st, Feed f) { return st.*describe(f).feed_switch; }

// The writer as verdicts name it: by the name the settings give it, else the feed's.
VerdictFacts writer_facts(const std::string& ods, const std::string& name, Feed feed = Feed::clinical) {
    VerdictFacts f;
    f.writer_ods = ods;
    f.writer_name = name;
    f.feed = feed;
    return f;
}

Verdict verdict(Reason reason, Severity severity, VerdictFacts facts) {
    Verdict v{reason, severity, ""};
    v.facts = std::move(facts);
    return v;
}

}  // namespace

bool is_third_party(const Settings& settings, const RecordEvent& ev) {
    return !ev.author.ods.empty() && ev.author.ods != settings.practice_ods;
}

std::chrono::seconds review_within(const Settings& settings, const std::string& author_ods,
                                   const std::string& org_type, Feed feed) {
    if (const auto* allowed = settings.find_allowed(author_ods)) return allowed->review_within;
    if (const auto* banned = settings.find_prohibited(author_ods); banned && banned->review_within.count() > 0)
        return banned->review_within;
    if (!settings.find_prohibited(author_ods) && !org_type.empty())
        if (const auto* type = settings.find_type(org_type)) return type->review_within;
    if (const auto& sw = switch_of(settings, feed); sw.review_within.count() > 0) return sw.review_within;
    return settings.default_review_within;
}

std::chrono::seconds review_within(const Engine& engine, const RecordEvent& ev) {
    auto within = review_within(engine.settings(), ev.author.ods, ev.author.org_type, ev.feed);
    for (const auto* r : engine.rules().matching(ev))
        if (r->rule->review_within.count() > 0) within = std::min(within, r->rule->review_within);
    return within;
}

Engine::Engine(const Settings& settings) : settings_(settings), rules_(settings), flag_codes_(settings) {}

Decision evaluate(const Settings& settings, const RecordEvent& ev, const Facts& facts) {
    return Engine(settings).evaluate(ev, facts);
}

Decision Engine::evaluate(const RecordEvent& ev, const Facts& facts) const {
    Decision d;
    switch (ev.kind) {
        case EventKind::unparseable:
            d.action = Decision::Action::quarantine;
            d.verdicts.push_back(verdict(Reason::unparseable_message, Severity::high, {}));
            d.verdicts.back().facts.parse_error = ev.parse_error;
            return d;
        case EventKind::workflow_filed:
        case EventKind::workflow_rejected:
            d.action = Decision::Action::close_review;
            d.review_state = ev.kind == EventKind::workflow_filed ? ReviewState::filed : ReviewState::rejected;
            // The clinical system reviews other feeds' writes too (Update Records, by message id):
            // the item's kind names the feed of the write.
            d.close_feed = feed_of_item_kind(ev.item_kind).value_or(ev.feed);
            return d;
        case EventKind::patient_flags:
            d.action = Decision::Action::patient_flags;
            d.flag_changes = flag_codes_.from_flags_event(ev);
            return d;
        case EventKind::sharing_changed: {
            auto check = check_processor(settings_, ev);
            if (!check) return d;  // a setting this build does not know: the cursor records it
            d.action = Decision::Action::processor_change;
            if (!check->in_line) {
                VerdictFacts f;
                f.setting = ev.setting;
                f.setting_ods = ev.setting_ods;
                f.setting_agreement = ev.setting_agreement;
                f.actual = check->actual;
                f.expected = check->expected;
                f.changed_by_kind = ev.changed_by_kind;
                f.changed_by_name = ev.changed_by_name;
                f.changed_by_user_id = ev.changed_by_user_id;
                d.verdicts.push_back(verdict(Reason::processor_drift, Severity::urgent, std::move(f)));
            }
            d.processor = std::move(check);
            return d;
        }
        case EventKind::not_update_record:
            d.action = Decision::Action::record_only;
            d.verdicts.push_back(verdict(Reason::not_update_record, Severity::info, {}));
            d.verdicts.back().facts.mesh_workflow_id = ev.mesh ? ev.mesh->workflow_id : std::string();
            return d;
        case EventKind::entry_created:
        case EventKind::entry_amended:
        case EventKind::entry_entered_in_error:
            if (!is_third_party(settings_, ev)) {
                // The practice's own entries are not checked, but their codes still tell us about
                // the patient (e.g. the practice records that enhanced review is indicated).
                d.flag_changes = flag_codes_.from_write(ev);
                if (!d.flag_changes.empty()) d.action = Decision::Action::patient_flags;
                return d;
            }
            return evaluate_write(ev, facts);
        case EventKind::other:
            return d;
    }
    return d;
}

Decision Engine::evaluate_write(const RecordEvent& ev, const Facts& facts) const {
    Decision d;
    d.action = Decision::Action::track_write;
    const auto standing = standing_of(settings_, ev.author);
    const auto matched = rules_.matching(ev);
    d.review_within = review_within(settings_, ev.author.ods, ev.author.org_type, ev.feed);
    for (const auto* r : matched)
        if (r->rule->review_within.count() > 0) d.review_within = std::min(d.review_within, r->rule->review_within);
    if (describe(ev.feed).writes_replace) d.replaces = ev.update_record.replaces;

    const auto writer = writer_facts(ev.author.ods, standing.name.empty() ? ev.author.name : standing.name, ev.feed);
    const bool review_only = standing.status == OrgStatus::review_only;
    d.verdicts.push_back(verdict(Reason::review_tracked, review_only ? Severity::review : Severity::info, writer));
    d.verdicts.back().facts.review_within = d.review_within;
    d.verdicts.back().facts.review_only = review_only;

    // Unauthorised: the feed is switched off, or the writer is prohibited (by code or by type).
    // The ledger keeps one verdict per reason, so both causes make one verdict.
    auto unauthorised = writer;
    unauthorised.feed_switched_off = !switch_of(settings_, ev.feed).enabled;
    if (standing.status == OrgStatus::prohibited) {
        unauthorised.prohibited =
            standing.kind == Standing::Kind::by_type ? VerdictFacts::Prohibited::by_type : VerdictFacts::Prohibited::by_code;
        unauthorised.prohibited_why = standing.why;
        unauthorised.org_type = ev.author.org_type;
    }
    if (unauthorised.feed_switched_off || unauthorised.prohibited != VerdictFacts::Prohibited::no)
        d.verdicts.push_back(verdict(Reason::unauthorised_write, Severity::urgent, std::move(unauthorised)));
    else if (standing.kind == Standing::Kind::unknown)
        d.verdicts.push_back(verdict(Reason::unknown_writer, Severity::high, writer));

    // Content rules: the ledger keeps one content_rule verdict per write, so the loudest rule
    // (the first written among equals) names it and the others are listed with it.
    if (!matched.empty() && ev.kind != EventKind::entry_entered_in_error) {
        const CompiledRule* top = matched.front();
        for (const auto* r : matched)
            if (r->rule->severity > top->rule->severity) top = r;
        Verdict v = verdict(Reason::content_rule, top->rule->severity, writer);
        for (const auto* r : matched)
            if (r != top) v.facts.other_rules.push_back(r->rule->name);
        v.rule = top->rule->name;
        v.rule_title = top->rule->title;
        const Coding what = matched_coding(*top, ev);
        v.matched_display = what.display.empty() ? what.code : what.display;
        v.matched_resource = what.resource;
        d.verdicts.push_back(std::move(v));
    }

    // Visible in the NHS App before anyone in the practice has looked at it.
    if (facts.patient.visible_online() && !ev.nopat && ev.kind != EventKind::entry_entered_in_error)
        d.verdicts.push_back(verdict(Reason::patient_visible_before_review, Severity::high, writer));

    d.flag_changes = flag_codes_.from_write(ev);
    return d;
}

Verdict overdue_verdict(const Settings& settings, const std::string& author_ods,
                        const std::string& author_name, std::chrono::seconds within) {
    Severity sev = settings.find_prohibited(author_ods) ? Severity::urgent : Severity::high;
    Verdict v = verdict(Reason::unreviewed_overdue, sev, writer_facts(author_ods, author_name));
    v.facts.review_within = within;
    return v;
}

Verdict escalation_verdict(const Settings& settings, const std::string& author_ods,
                           const std::string& author_name, std::chrono::seconds within) {
    Verdict v = verdict(Reason::unreviewed_escalated, settings.escalation.severity,
                        writer_facts(author_ods, author_name));
    v.facts.review_within = within;
    v.facts.escalation_after = settings.escalation.after;
    v.rule = "escalation";
    return v;
}

}  // namespace gpwatch::policy
