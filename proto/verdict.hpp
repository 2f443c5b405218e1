#pragma once
// Verdict: what the controller's settings say about one event. Produced by policy only.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace gpwatch {

enum class Severity { info, review, high, urgent };

// Why a write matters. The string forms are a public interface (gpwatchctl --json, alerts).
enum class Reason {
    review_tracked,       // a third-party write that must be reviewed by its deadline
    unauthorised_write,   // written by an organisation the practice prohibited
    unknown_writer,       // written by an organisation the settings do not list
    unreviewed_overdue,   // not reviewed by its deadline (raised by the review clock)
    unparseable_message,  // arrived but could not be read: quarantined with its bytes
    content_rule,         // a content rule of the settings matched (Verdict::rule names it)
    patient_visible_before_review,  // patient sees it online (not NOPAT) before a GP reviewed it
    processor_drift,      // the clinical system's configuration departs from the controller's settings
    unreviewed_escalated, // still not reviewed escalation.after past its deadline: raised once more
    not_update_record,    // a MESH message that is not an Update Record: recorded, never guessed at
    implausible_time,     // the feed's time for a write cannot be right (far ahead of its arrival,
                          // or before 1990): the review clock started at its arrival instead
    review_refused,       // a review stamped before the write it names: not taken as its review
};

// Every reason, in the order documentation lists them.
const std::vector<Reason>& all_reasons();

struct Verdict {
    Reason reason = Reason::review_tracked;
    Severity severity = Severity::info;
    std::string detail;  // one plain sentence, no patient identifier
    std::string rule = {};  // content_rule: the rule's name; unreviewed_escalated: "escalation"
    // content_rule: what made it match, for the alert's subject (not stored in the ledger).
    std::string matched_display = {};   // the coding's display, else its code
    std::string matched_resource = {};  // the FHIR resource type it was found in
    std::string rule_title = {};        // the rule's title as the settings give it ("" : from its name)
};

// Reasons that produce an alert to the duty inbox; review_tracked alone does not.
inline bool reason_alerts(Reason r) { return r != Reason::review_tracked && r != Reason::not_update_record; }

// True for the second, louder overdue alert (escalation.after past the deadline).
inline bool is_escalation(Reason r) { return r == Reason::unreviewed_escalated; }

const char* to_string(Severity s);
const char* to_string(Reason r);
std::optional<Reason> reason_from_string(const std::string& s);
std::optional<Severity> severity_from_string(const std::string& s);

}  // namespace gpwatch
