#include "daemon/alerts/verdict_words.hpp"

#include "daemon/alerts/local_time.hpp"
#include "proto/feed_description.hpp"

namespace gpwatch::alerts {

namespace {

std::string who(const std::string& ods, const std::string& name) {
    return name.empty() ? ods : name + " (" + ods + ")";
}

std::string writer(const VerdictFacts& f) { return who(f.writer_ods, f.writer_name); }

// "73 years", "12 days", "3 hours": how far a claimed time is ahead, in the largest whole unit.
std::string how_far_ahead(std::int64_t seconds) {
    const auto in = [&](std::int64_t unit, const char* one, const char* many) {
        const auto n = seconds / unit;
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    constexpr std::int64_t year = 365 * 86400 + 86400 / 4;
    if (seconds >= year) return in(year, "year", "years");
    if (seconds >= 86400) return in(86400, "day", "days");
    return in(3600, "hour", "hours");
}

// The feed switched off and the writer prohibited share one sentence: the ledger keeps one
// verdict per reason.
std::string unauthorised(const VerdictFacts& f) {
    const auto author = writer(f);
    std::string out;
    if (f.feed_switched_off)
        out = std::string(describe(f.feed).switch_words) + " is switched off in the practice's settings, yet " +
              author + " wrote into a record: the processor did not honour the controller's switch.";
    if (f.prohibited != VerdictFacts::Prohibited::no) {
        if (!out.empty()) out += " ";
        out += f.prohibited == VerdictFacts::Prohibited::by_type
                   ? author + " is a " + f.org_type +
                         ", and the practice prohibits that kind of organisation from writing, yet it wrote "
                         "into a record."
                   : author + " is prohibited from writing into this practice's records" +
                         (f.prohibited_why.empty() ? "" : " (" + f.prohibited_why + ")") + ", yet wrote into one.";
    }
    return out;
}

std::string content_rule(const Verdict& v) {
    std::string out = "Content rule '" + v.rule + "' matched a write by " + writer(v.facts);
    if (!v.facts.other_rules.empty()) {
        out += " (also:";
        for (const auto& r : v.facts.other_rules) out += " " + r;
        out += ")";
    }
    return out + ".";
}

std::string processor_drift(const VerdictFacts& f) {
    return changed_by(f.changed_by_kind, f.changed_by_name, f.changed_by_user_id) +
           " changed the clinical system's '" + f.setting + "'" +
           (f.setting_ods.empty() ? "" : " for " + f.setting_ods) +
           (f.setting_agreement.empty() ? "" : " ('" + f.setting_agreement + "')") + " to '" + f.actual +
           "'; the practice's settings say it must be '" + f.expected +
           "'. The processor now departs from the controller's instructions.";
}

std::string escalated(const Settings& settings, const VerdictFacts& f) {
    std::string out = "Escalation: written by " + writer(f) + ", due for review within " +
                      duration_words(f.review_within) + " of working time, and still not reviewed " +
                      duration_words(f.escalation_after) + " of working time after that deadline.";
    if (!f.caught_up) return out;
    const auto& zone = settings.calendar.time_zone;
    return "Overdue since " + local_time_words(zone, f.overdue_since) + " and already past its escalation time (" +
           local_time_words(zone, f.escalation_at) + "). " + out;
}

}  // namespace

std::string duration_words(std::chrono::seconds s) {
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

std::string changed_by(const std::string& kind, const std::string& name, const std::string& user_id) {
    std::string who = name;
    if (kind == "supplier") {
        if (who.empty()) who = "the system supplier";
        else who += " (the system supplier)";
    } else if (kind == "practice-user") {
        if (who.empty()) who = "a practice user";
        if (!user_id.empty()) who += " (practice user " + user_id + ")";
    } else if (who.empty()) {
        who = "someone the clinical system did not name";
    }
    return who;
}

std::string doubt_words(const Verdict& v) {
    const auto& f = v.facts;
    switch (v.reason) {
        case Reason::implausible_time:
            return f.before_1990 ? "before 1990, when no record system feeding gpwatch existed"
                                 : how_far_ahead(f.claimed_at - f.arrived_at) + " ahead of its arrival";
        case Reason::review_refused:
            return f.before_1990 ? "before 1990 and so before the write itself"
                                 : "over an hour before the write itself (" + claimed_time_words(f.written_at) + ")";
        default: return "";
    }
}

std::string verdict_words(const Settings& settings, const Verdict& v) {
    const auto& f = v.facts;
    switch (v.reason) {
        case Reason::review_tracked:
            return "Written by " + writer(f) + (f.review_only ? " (review only)" : "") + "; to be reviewed within " +
                   duration_words(f.review_within) + " of working time.";
        case Reason::unauthorised_write: return unauthorised(f);
        case Reason::unknown_writer:
            return writer(f) + " is not on the practice's list of organisations allowed "
                               "to write; the practice has not decided about it.";
        case Reason::unreviewed_overdue:
            return "Written by " + writer(f) + " and still not reviewed " + duration_words(f.review_within) +
                   " of working time later.";
        case Reason::unparseable_message:
            return "A message arrived that gpwatch could not read (" + f.parse_error +
                   "); it is kept whole for inspection.";
        case Reason::content_rule: return content_rule(v);
        case Reason::patient_visible_before_review:
            return "The patient has online access to their record, and this write by " + writer(f) +
                   " is not marked NOPAT: the patient can see it before a GP has reviewed it.";
        case Reason::processor_drift: return processor_drift(f);
        case Reason::unreviewed_escalated: return escalated(settings, f);
        case Reason::not_update_record:
            return "A MESH message arrived that is not a GP Connect Update Record (workflow '" + f.mesh_workflow_id +
                   "'); it is recorded and not read further.";
        case Reason::implausible_time:
            return "The sender stamped this write " + claimed_time_words(f.claimed_at) + ", " + doubt_words(v) +
                   "; its review time counts from its arrival instead, so it cannot escape the review clock";
        case Reason::review_refused:
            return "The clinical system said this write was " + f.review_state + " at " +
                   claimed_time_words(f.claimed_at) + ", " + doubt_words(v) +
                   "; gpwatch did not take that as its review, and the write is still open.";
    }
    return "";
}

void word_verdicts(const Settings& settings, std::vector<Verdict>& verdicts) {
    for (auto& v : verdicts) v.detail = verdict_words(settings, v);
}

}  // namespace gpwatch::alerts
