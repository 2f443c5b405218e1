#pragma once
// Policy: what the controller's settings say about one event. Pure: no I/O, no clock, no ledger;
// everything it needs is passed in (the settings, the event, and the facts the ledger holds), so
// it is deterministic and tested alone. It decides and says what it found (each verdict's facts);
// the sentences are the alert words' (daemon/alerts/verdict_words).

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/policy/content_rules.hpp"
#include "daemon/policy/patient_flags.hpp"
#include "proto/record_event.hpp"
#include "proto/review_state.hpp"
#include "proto/settings.hpp"
#include "proto/verdict.hpp"

namespace gpwatch::policy {

// What the ledger knows that matters to one event.
struct Facts {
    PatientFlags patient;  // the patient's flags before this event
};

// A sharing.changed event compared with what the settings expect of the processor.
struct ProcessorCheck {
    std::string key;       // "update-record", "share-in:RT5", "agreement:<name>"
    std::string expected;  // on/off, allowed/prohibited/removed, active/inactive
    std::string actual;
    bool in_line = true;
};

struct Decision {
    enum class Action {
        ignore,            // not a third-party write and nothing to close (own-practice write, ...)
        track_write,       // a third-party write: record it, start its review clock, give it verdicts
        quarantine,        // could not be parsed: keep its bytes, alert
        close_review,      // a review (filed / rejected) closes the write it names
        patient_flags,     // patient.flags: update the patient's flags (flag_changes)
        processor_change,  // sharing.changed: open or close processor drift (processor)
        record_only,       // recorded and logged, never alerted (a MESH message that is not Update Record)
    };
    Action action = Action::ignore;
    std::vector<Verdict> verdicts;
    std::chrono::seconds review_within{0};  // working time allowed for the review (track_write)
    ReviewState review_state = ReviewState::unreviewed;  // filed or rejected (close_review)
    Feed close_feed = Feed::clinical;      // close_review: the feed of the write it names
    std::string replaces;                  // track_write (Update Record): id of the message it replaces
    std::vector<FlagChange> flag_changes;  // patient_flags, and track_write (codes seen in the write)
    std::optional<ProcessorCheck> processor;
};

// Settings compiled for evaluation: built once per settings load (and reload), then shared.
// Holds a reference to `settings`, which must outlive it.
class Engine {
public:
    explicit Engine(const Settings& settings);
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    Decision evaluate(const RecordEvent& ev, const Facts& facts) const;
    const Settings& settings() const { return settings_; }
    const ContentRules& rules() const { return rules_; }

private:
    Decision evaluate_write(const RecordEvent& ev, const Facts& facts) const;

    const Settings& settings_;
    ContentRules rules_;
    FlagCodes flag_codes_;
};

// True when the write was made by someone outside the practice.
bool is_third_party(const Settings& settings, const RecordEvent& ev);

// One-off evaluation (compiles the settings each call): for tests and tools.
Decision evaluate(const Settings& settings, const RecordEvent& ev, const Facts& facts = {});

// The verdict for a write whose review deadline has passed unreviewed.
Verdict overdue_verdict(const Settings& settings, const std::string& author_ods,
                        const std::string& author_name, std::chrono::seconds review_within);

// The escalation of an overdue write: reason unreviewed_escalated, escalation.severity,
// rule "escalation". Raised once, escalation.after (working time) past the deadline.
Verdict escalation_verdict(const Settings& settings, const std::string& author_ods,
                           const std::string& author_name, std::chrono::seconds review_within);

// The review deadline (working time) for a write from `author_ods` of type `org_type` on `feed`,
// before content rules: the organisation's own, else its type's, else the feed's, else the default.
std::chrono::seconds review_within(const Settings& settings, const std::string& author_ods,
                                   const std::string& org_type = {}, Feed feed = Feed::clinical);

// The same, shortened by the content rules the write matches (as on arrival).
std::chrono::seconds review_within(const Engine& engine, const RecordEvent& ev);

}  // namespace gpwatch::policy
