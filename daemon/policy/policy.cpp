#include "daemon/policy/policy.hpp"

#include <algorithm>
#include <string>

#include "daemon/policy/processor_drift.hpp"

namespace gpwatch::policy {

namespace {

std::string describe_duration(std::chrono::seconds s) {
    using namespace std::chrono;
    auto h = duration_cast<hours>(s);
    auto m = duration_cast<minutes>(s - h);
    auto sec = s - h - m;
    std::string out;
    if (h.count()) out += std::to_string(h.count()) + "h";
    if (m.count()) out += std::to_string(m.count()) + "m";
    if (sec.count() || out.empty()) out += std::to_string(sec.count()) + "s";
    return out;
}

std::string who(const std::string& ods, const std::string& name) {
    return name.empty() ? ods : name + " (" + ods + ")";
}

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

const FeedSwitch& switch_of(const Settings& st, Feed f) {
    return f == Feed::update_record ? st.update_record : st.shared_record;
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
            d.verdicts.push_back({Reason::unparseable_message, Severity::high,
                                  "A message arrived that gpwatch could not read (" + ev.parse_error +
                                      "); it is kept whole for inspection."});
            return d;
        case EventKind::workflow_filed:
        case EventKind::workflow_rejected:
            d.action = Decision::Action::close_review;
            d.review_state = ev.kind == EventKind::workflow_filed ? ReviewState::filed : ReviewState::rejected;
            // The clinical system reviews Update Records in its workflow queue, by message id.
            d.close_feed = ev.item_kind == "update-record" ? Feed::update_record : ev.feed;
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
                d.verdicts.push_back(
                    {Reason::processor_drift, Severity::urgent,
                     changed_by(ev) + " changed the clinical system's '" + ev.setting + "'" +
                         (ev.setting_ods.empty() ? "" : " for " + ev.setting_ods) +
                         (ev.setting_agreement.empty() ? "" : " ('" + ev.setting_agreement + "')") + " to '" +
                         check->actual + "'; the practice's settings say it must be '" + check->expected +
                         "'. The processor now departs from the controller's instructions."});
            }
            d.processor = std::move(check);
            return d;
        }
        case EventKind::not_update_record:
            d.action = Decision::Action::record_only;
            d.verdicts.push_back({Reason::not_update_record, Severity::info,
                                  "A MESH message arrived that is not a GP Connect Update Record (workflow '" +
                                      ev.mesh_workflow_id + "'); it is recorded and not read further."});
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
    if (ev.feed == Feed::update_record) d.replaces = ev.replaces;

    const auto author = who(ev.author.ods, standing.name.empty() ? ev.author.name : standing.name);
    const Severity tracked = standing.status == OrgStatus::review_only ? Severity::review : Severity::info;
    d.verdicts.push_back({Reason::review_tracked, tracked,
                          "Written by " + author + (standing.status == OrgStatus::review_only ? " (review only)" : "") +
                              "; to be reviewed within " + describe_duration(d.review_within) +
                              " of working time."});

    // Unauthorised: the feed is switched off, or the writer is prohibited (by code or by type).
    // The ledger keeps one verdict per reason, so both causes share one sentence.
    std::string unauthorised;
    const auto& sw = switch_of(settings_, ev.feed);
    if (!sw.enabled)
        unauthorised = std::string(ev.feed == Feed::update_record ? "GP Connect Update Record" : "Shared-record writing") +
                       " is switched off in the practice's settings, yet " + author +
                       " wrote into a record: the processor did not honour the controller's switch.";
    if (standing.status == OrgStatus::prohibited) {
        if (!unauthorised.empty()) unauthorised += " ";
        unauthorised += standing.kind == Standing::Kind::by_type
                            ? author + " is a " + ev.author.org_type +
                                  ", and the practice prohibits that kind of organisation from writing, yet it wrote "
                                  "into a record."
                            : author + " is prohibited from writing into this practice's records" +
                                  (standing.why.empty() ? "" : " (" + standing.why + ")") + ", yet wrote into one.";
    }
    if (!unauthorised.empty()) d.verdicts.push_back({Reason::unauthorised_write, Severity::urgent, unauthorised});
    else if (standing.kind == Standing::Kind::unknown)
        d.verdicts.push_back({Reason::unknown_writer, Severity::high,
                              author + " is not on the practice's list of organisations allowed "
                                       "to write; the practice has not decided about it."});

    // Content rules: the ledger keeps one content_rule verdict per write, so the loudest rule
    // (the first written among equals) names it and the others are listed in its sentence.
    if (!matched.empty() && ev.kind != EventKind::entry_entered_in_error) {
        const CompiledRule* top = matched.front();
        for (const auto* r : matched)
            if (r->rule->severity > top->rule->severity) top = r;
        std::string detail = "Content rule '" + top->rule->name + "' matched a write by " + author;
        if (matched.size() > 1) {
            detail += " (also:";
            for (const auto* r : matched)
                if (r != top) detail += " " + r->rule->name;
            detail += ")";
        }
        detail += ".";
        Verdict v{Reason::content_rule, top->rule->severity, detail};
        v.rule = top->rule->name;
        v.rule_title = top->rule->title;
        const Coding what = matched_coding(*top, ev);
        v.matched_display = what.display.empty() ? what.code : what.display;
        v.matched_resource = what.resource;
        d.verdicts.push_back(std::move(v));
    }

    // Visible in the NHS App before anyone in the practice has looked at it.
    if (facts.patient.visible_online() && !ev.nopat && ev.kind != EventKind::entry_entered_in_error)
        d.verdicts.push_back({Reason::patient_visible_before_review, Severity::high,
                              "The patient has online access to their record, and this write by " + author +
                                  " is not marked NOPAT: the patient can see it before a GP has reviewed it."});

    d.flag_changes = flag_codes_.from_write(ev);
    return d;
}

Verdict overdue_verdict(const Settings& settings, const std::string& author_ods,
                        const std::string& author_name, std::chrono::seconds within) {
    Severity sev = settings.find_prohibited(author_ods) ? Severity::urgent : Severity::high;
    return {Reason::unreviewed_overdue, sev,
            "Written by " + who(author_ods, author_name) + " and still not reviewed " +
                describe_duration(within) + " of working time later."};
}

Verdict escalation_verdict(const Settings& settings, const std::string& author_ods,
                           const std::string& author_name, std::chrono::seconds within) {
    Verdict v{Reason::unreviewed_escalated, settings.escalation.severity,
              "Escalation: written by " + who(author_ods, author_name) + ", due for review within " +
                  describe_duration(within) + " of working time, and still not reviewed " +
                  describe_duration(settings.escalation.after) + " of working time after that deadline."};
    v.rule = "escalation";
    return v;
}

}  // namespace gpwatch::policy
