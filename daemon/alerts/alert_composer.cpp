#include "daemon/alerts/alert_composer.hpp"

#include <cctype>

#include "daemon/alerts/local_time.hpp"
#include "proto/feed_description.hpp"

namespace gpwatch::alerts {

namespace {

// "Mon 11 May 2026 10:42": the practice's wall clock (the zone is named once, beside "When").
std::string local_time(const Settings& settings, std::int64_t unix_seconds) {
    return local_time_words(settings.calendar.time_zone, unix_seconds, false);
}

std::string capitalised(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// A rule's name as words: "mental-health-flag" -> "Mental health flag".
std::string name_as_words(const std::string& name) {
    std::string out;
    for (char c : name) out += (c == '-' || c == '_' || c == '.') ? ' ' : c;
    return capitalised(out);
}

// "mental-health-trust" -> "mental health trust".
std::string org_type_words(const std::string& type) {
    std::string out;
    for (char c : type) out += c == '-' ? ' ' : c;
    return out;
}

// The kind of record in words, for subjects: "observation", "document", "Update Record".
std::string record_words(const Settings& settings, const WriteRecord& w) {
    if (const std::string feed_words = describe(w.feed).record_words; !feed_words.empty()) return feed_words;
    return settings.words.record_type(w.resource_type);
}

// What a content-rule alert's subject calls its rule: the title the settings give it, else the
// rule's name in words followed by the kind of record that matched ("Safeguarding flag").
std::string rule_title(const Settings& settings, const Verdict& v) {
    if (!v.rule_title.empty()) return v.rule_title;
    std::string title = name_as_words(v.rule);
    const std::string record = lower(settings.words.record_type(v.matched_resource));
    if (!record.empty() && lower(title).find(record) == std::string::npos) title += " " + record;
    return title;
}

const char* headline(Reason r) {
    switch (r) {
        case Reason::unauthorised_write: return "Unauthorised write";
        case Reason::unknown_writer: return "Write by an unlisted organisation";
        case Reason::unreviewed_overdue: return "Not reviewed in time";
        case Reason::unparseable_message: return "Unreadable message quarantined";
        case Reason::review_tracked: return "Outside write to review";
        case Reason::content_rule: return "Content needs attention";
        case Reason::patient_visible_before_review: return "Visible to the patient before review";
        case Reason::processor_drift: return "Clinical system settings changed";
        case Reason::unreviewed_escalated: return "Still not reviewed";
        case Reason::not_update_record: return "MESH message that is not an Update Record";
        case Reason::implausible_time: return "Write with a time that cannot be right";
        case Reason::review_refused: return "Review not taken: stamped before the write";
    }
    return "gpwatch alert";
}

// Subject lines read as one phrase: "Unauthorised write by X", "Not reviewed in time: write by X",
// "Safeguarding flag from X: At risk of domestic abuse".
std::string subject_phrase(const Settings& settings, const Verdict& v, const std::string& who) {
    switch (v.reason) {
        case Reason::content_rule: {
            std::string s = rule_title(settings, v) + " from " + who;
            if (!v.matched_display.empty()) s += ": " + v.matched_display;
            return s;
        }
        case Reason::unreviewed_overdue:
        case Reason::unreviewed_escalated:
        case Reason::patient_visible_before_review:
        case Reason::implausible_time:
        case Reason::review_refused: return std::string(headline(v.reason)) + ": write by " + who;
        case Reason::processor_drift: return headline(v.reason);
        case Reason::unknown_writer: return std::string(headline(v.reason)) + ": " + who;
        case Reason::unparseable_message: return std::string(headline(v.reason)) + " from " + who;
        default: return std::string(headline(v.reason)) + " by " + who;
    }
}

const char* what_to_do(Reason r) {
    switch (r) {
        case Reason::unauthorised_write:
            return "Check the entry in the clinical system now and file or reject it. Tell the "
                   "practice manager: this organisation should not be able to write at all, so "
                   "the clinical system's sharing settings need fixing with the supplier.";
        case Reason::unknown_writer:
            return "Review the entry. Then the practice decides whether this organisation may "
                   "write (allowed list) or not (prohibited list) in gpwatch's settings.";
        case Reason::unreviewed_overdue:
            return "Review the entry in the clinical system workflow and file or reject it.";
        case Reason::unparseable_message:
            return "Nothing to do clinically yet: the IT admin should inspect the quarantined "
                   "message (its bytes are kept in the ledger; see docs/operations.md) and raise it "
                   "with the sender or supplier.";
        case Reason::review_tracked:
            return "Review the entry in the clinical system workflow.";
        case Reason::content_rule:
            return "Review the entry now: the practice asked for this content to be seen urgently.";
        case Reason::patient_visible_before_review:
            return "Review the entry now: the patient can already see it online (NHS App).";
        case Reason::processor_drift:
            return "Tell the practice manager: the clinical system's configuration no longer matches "
                   "the practice's instructions; raise it with the supplier.";
        case Reason::unreviewed_escalated:
            return "This write is still not reviewed long after its deadline: review it now, or ask "
                   "the practice manager to make sure someone does.";
        case Reason::not_update_record:
            return "Nothing to do clinically: the IT admin may check why this message reached the "
                   "practice's MESH mailbox.";
        case Reason::implausible_time:
            return "Review the entry as usual: gpwatch counts its review time from when it arrived. Tell "
                   "the IT admin: the system that sent it has a wrong clock or sends wrong times, which "
                   "the supplier must fix.";
        case Reason::review_refused:
            return "Check the entry in the clinical system and file or reject it again: gpwatch still "
                   "counts it as not reviewed. Tell the IT admin: the clinical system stamped the review "
                   "with a time before the entry itself, which the supplier must fix.";
    }
    return "";
}

std::string what_arrived(const Settings& settings, const WriteRecord& w) {
    // A feed may name its writes itself ("GP Connect Update Record"): an Update Record's first
    // coding is its Composition type, the pharmacy service it records.
    std::string what = describe(w.feed).write_words;
    if (what.empty())
        what = w.resource_type.empty() ? std::string("An entry") : capitalised(settings.words.record_type(w.resource_type));
    for (const auto& c : w.codes) {
        if (c.display.empty()) continue;
        what += ": " + c.display + " (code " + c.code + ")";
        break;
    }
    if (w.last_event == "entry.amended") what += " [amended]";
    if (w.last_event == "entry.entered-in-error") what += " [marked entered in error]";
    return what;
}

}  // namespace

std::string format_nhs_number(const std::string& d) {
    if (d.size() != 10) return d;
    return d.substr(0, 3) + " " + d.substr(3, 3) + " " + d.substr(6);
}

AlertText compose(const Settings& settings, const WriteRecord& w, const Verdict& v, const AlertContext& context) {
    AlertText t;
    std::string who = w.author.name.empty() ? w.author.ods : w.author.name + " (" + w.author.ods + ")";
    if (v.reason == Reason::unparseable_message)
        who = context.mesh_sender.empty() ? "an unknown sender" : "MESH mailbox " + context.mesh_sender;

    std::string sev = to_string(v.severity);
    for (auto& c : sev) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    t.subject = "[" + sev + "] " + subject_phrase(settings, v, who);
    // A content-rule subject already says what matched; the others say what kind of record.
    if (v.reason != Reason::content_rule && v.reason != Reason::unparseable_message) {
        const auto record = record_words(settings, w);
        if (!record.empty()) t.subject += " - " + capitalised(record);
    }

    std::string b;
    b += sev + ": " + headline(v.reason) + ".\n\n";
    if (v.reason == Reason::unparseable_message) {
        b += "What:     a message that could not be read (" + w.parse_error + ")\n";
        if (!context.mesh_sender.empty()) b += "From:     MESH mailbox " + context.mesh_sender + "\n";
    } else {
        b += "What:     " + what_arrived(settings, w) + "\n";
        if (v.reason == Reason::content_rule && !v.matched_display.empty())
            b += "Matched:  " + rule_title(settings, v) + " (rule " + v.rule + "): " + v.matched_display + "\n";
        b += "From:     " + who;
        if (!w.author.org_type.empty()) b += ", " + org_type_words(w.author.org_type);
        if (!w.author.user_id.empty())
            b += ", user " + w.author.user_id +
                 (w.author.user_role.empty() ? "" : " (" + settings.words.job_role(w.author.user_role) + ")");
        b += "\n";
        // Some alerts concern no patient (processor drift: a setting changed).
        if (!w.nhs_number.empty()) {
            b += "Patient:  NHS number " + format_nhs_number(w.nhs_number);
            if (!w.nhs_number_valid) b += " (WARNING: fails its check digit - confirm the patient)";
            b += "\n";
        }
    }
    if (w.trusted_at != 0)
        b += "When:     arrived " + local_time(settings, w.trusted_at) + " (" + settings.calendar.time_zone +
             "); the sender's time, " + claimed_time_words(w.written_at) + ", cannot be right\n";
    else
        b += "When:     " + local_time(settings, w.written_at) + " (" + settings.calendar.time_zone + ")\n";
    if (w.review_state == "unreviewed" && w.deadline_at > 0)
        b += "Review by: " + local_time(settings, w.deadline_at) + "\n";
    if (w.nopat) b += "Visibility: marked NOPAT, not shown to the patient\n";
    b += "\nWhy it matters: " + v.detail + "\n";
    b += "\nWhat to do: " + std::string(what_to_do(v.reason)) + "\n";
    b += "\n--\ngpwatch at " + settings.practice_name + " (" + settings.practice_ods + ")";
    b += "; reference: write " + std::to_string(w.id) + ", " + to_string(w.feed) + " " + w.upstream_id + "\n";
    t.body = std::move(b);
    return t;
}

}  // namespace gpwatch::alerts
