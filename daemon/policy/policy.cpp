#include "daemon/policy/policy.hpp"

#include <string>

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

}  // namespace

bool is_third_party(const Settings& settings, const RecordEvent& ev) {
    return !ev.author.ods.empty() && ev.author.ods != settings.practice_ods;
}

std::chrono::seconds review_within(const Settings& settings, const std::string& author_ods) {
    if (const auto* allowed = settings.find_allowed(author_ods)) return allowed->review_within;
    return settings.default_review_within;
}

Decision evaluate(const Settings& settings, const RecordEvent& ev) {
    Decision d;
    if (ev.kind == EventKind::unparseable) {
        d.action = Decision::Action::quarantine;
        d.verdicts.push_back({Reason::unparseable_message, Severity::high,
                              "A message arrived that gpwatch could not read (" + ev.parse_error +
                                  "); it is kept whole for inspection."});
        return d;
    }
    if (is_review_event(ev.kind)) {
        d.action = Decision::Action::close_review;
        d.review_state = ev.kind == EventKind::workflow_filed ? "filed" : "rejected";
        return d;
    }
    if (!is_entry_event(ev.kind) || !is_third_party(settings, ev)) return d;

    d.action = Decision::Action::track_write;
    d.review_within = review_within(settings, ev.author.ods);
    const auto author = who(ev.author.ods, ev.author.name);
    d.verdicts.push_back({Reason::review_tracked, Severity::info,
                          "Written by " + author + "; to be reviewed within " +
                              describe_duration(d.review_within) + " of working time."});

    if (const auto* banned = settings.find_prohibited(ev.author.ods)) {
        std::string why = banned->why.empty() ? "" : " (" + banned->why + ")";
        d.verdicts.push_back({Reason::unauthorised_write, Severity::urgent,
                              who(ev.author.ods, banned->name.empty() ? ev.author.name : banned->name) +
                                  " is prohibited from writing into this practice's records" + why +
                                  ", yet wrote into one."});
    } else if (!settings.find_allowed(ev.author.ods)) {
        d.verdicts.push_back({Reason::unknown_writer, Severity::high,
                              author + " is not on the practice's list of organisations allowed "
                                       "to write; the practice has not decided about it."});
    }
    return d;
}

Verdict overdue_verdict(const Settings& settings, const std::string& author_ods,
                        const std::string& author_name, std::chrono::seconds within) {
    Severity sev = settings.find_prohibited(author_ods) ? Severity::urgent : Severity::high;
    return {Reason::unreviewed_overdue, sev,
            "Written by " + who(author_ods, author_name) + " and still not reviewed " +
                describe_duration(within) + " of working time later."};
}

}  // namespace gpwatch::policy
