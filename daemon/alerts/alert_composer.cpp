#include "daemon/alerts/alert_composer.hpp"

#include <date/tz.h>

namespace gpwatch::alerts {

namespace {

std::string local_time(const Settings& settings, std::int64_t unix_seconds) {
    if (unix_seconds <= 0) return "unknown";
    try {
        auto zone = date::locate_zone(settings.calendar.time_zone);
        auto t = date::zoned_seconds(zone, SysSeconds{std::chrono::seconds{unix_seconds}});
        return date::format("%a %d %b %Y %H:%M", t);
    } catch (const std::exception&) {
        return date::format("%a %d %b %Y %H:%M UTC", SysSeconds{std::chrono::seconds{unix_seconds}});
    }
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
    }
    return "gpwatch alert";
}

// Subject lines read as one phrase: "Unauthorised write by X", "Not reviewed in time: write by X".
std::string subject_phrase(Reason r, const std::string& who) {
    switch (r) {
        case Reason::unreviewed_overdue:
        case Reason::unreviewed_escalated:
        case Reason::patient_visible_before_review:
        case Reason::content_rule: return std::string(headline(r)) + ": write by " + who;
        case Reason::processor_drift: return headline(r);
        case Reason::unknown_writer: return std::string(headline(r)) + ": " + who;
        case Reason::unparseable_message: return headline(r);
        default: return std::string(headline(r)) + " by " + who;
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
    }
    return "";
}

std::string what_arrived(const WriteRecord& w) {
    // An Update Record's first coding is its Composition type: the pharmacy service it records.
    std::string what = w.feed == Feed::update_record ? std::string("GP Connect Update Record")
                       : w.resource_type.empty()     ? std::string("An entry")
                                                     : w.resource_type;
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

AlertText compose(const Settings& settings, const WriteRecord& w, const Verdict& v) {
    AlertText t;
    std::string who = w.author.name.empty() ? w.author.ods : w.author.name + " (" + w.author.ods + ")";
    if (v.reason == Reason::unparseable_message) who = "an unknown sender";

    std::string sev = to_string(v.severity);
    for (auto& c : sev) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    t.subject = "[" + sev + "] " + subject_phrase(v.reason, who);
    if (w.feed == Feed::update_record) t.subject += " - Update Record";
    else if (!w.resource_type.empty()) t.subject += " - " + w.resource_type;

    std::string b;
    b += sev + ": " + headline(v.reason) + ".\n\n";
    if (v.reason == Reason::unparseable_message) {
        b += "What:     a feed message that could not be read (" + w.parse_error + ")\n";
    } else {
        b += "What:     " + what_arrived(w) + "\n";
        b += "From:     " + who;
        if (!w.author.org_type.empty()) b += ", " + w.author.org_type;
        if (!w.author.user_id.empty())
            b += ", user " + w.author.user_id +
                 (w.author.user_role.empty() ? "" : " (role " + w.author.user_role + ")");
        b += "\n";
        // Some alerts concern no patient (processor drift: a setting changed).
        if (!w.nhs_number.empty()) {
            b += "Patient:  NHS number " + format_nhs_number(w.nhs_number);
            if (!w.nhs_number_valid) b += " (WARNING: fails its check digit - confirm the patient)";
            b += "\n";
        }
    }
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
