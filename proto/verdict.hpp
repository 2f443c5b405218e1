#pragma once
// Verdict: what the controller's settings say about one event. Decided by policy (and, for the
// times it doubts, by ingest), which fill in the facts; the words (daemon/alerts/verdict_words)
// turn the facts into the sentence the ledger keeps and the alert says.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/record_event.hpp"

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

// What was found, for the words to say. Each field names the reasons that use it.
struct VerdictFacts {
    // Every reason about a write: the writer, by the name the settings give it, else the feed's.
    std::string writer_ods;
    std::string writer_name;
    Feed feed = Feed::clinical;
    // review_tracked, unreviewed_overdue, unreviewed_escalated: the review deadline (working time).
    std::chrono::seconds review_within{0};
    bool review_only = false;  // review_tracked: the writer may write, for review only

    // unauthorised_write: the feed is switched off, the writer is prohibited, or both.
    bool feed_switched_off = false;
    enum class Prohibited { no, by_code, by_type };
    Prohibited prohibited = Prohibited::no;
    std::string prohibited_why;  // by_code: why, as the settings say (may be empty)
    std::string org_type;        // by_type: the writer's organisation type

    std::vector<std::string> other_rules;  // content_rule: the other rules it matched, in order
    std::string parse_error;               // unparseable_message
    std::string mesh_workflow_id;          // not_update_record

    // processor_drift: the setting (update-record, share-in for setting_ods, agreement
    // setting_agreement), the value it took, the value the settings require, and who changed it.
    std::string setting;
    std::string setting_ods;
    std::string setting_agreement;
    std::string actual;
    std::string expected;
    std::string changed_by_kind;  // practice-user | supplier | anything else: unnamed
    std::string changed_by_name;
    std::string changed_by_user_id;

    // unreviewed_escalated: how long past the deadline; caught_up: overdue and past escalation at
    // once (a catch-up after downtime), since overdue_since, the escalation due at escalation_at.
    std::chrono::seconds escalation_after{0};
    bool caught_up = false;
    std::int64_t overdue_since = 0;
    std::int64_t escalation_at = 0;

    // implausible_time: the time the sender claimed, and its arrival. review_refused: the review
    // (review_state filed/rejected) claimed at claimed_at, and the write's time.
    std::int64_t claimed_at = 0;
    std::int64_t arrived_at = 0;
    bool before_1990 = false;  // the claimed time is before 1990 (else: too far ahead / before)
    std::string review_state;
    std::int64_t written_at = 0;
};

struct Verdict {
    Reason reason = Reason::review_tracked;
    Severity severity = Severity::info;
    std::string detail;  // one plain sentence, no patient identifier: the words of `facts`
    std::string rule = {};  // content_rule: the rule's name; unreviewed_escalated: "escalation"
    // content_rule: what made it match, for the alert's subject (not stored in the ledger).
    std::string matched_display = {};   // the coding's display, else its code
    std::string matched_resource = {};  // the FHIR resource type it was found in
    std::string rule_title = {};        // the rule's title as the settings give it ("" : from its name)
    VerdictFacts facts = {};            // what the words say (not stored in the ledger: `detail` is)
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
