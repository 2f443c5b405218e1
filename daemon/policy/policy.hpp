#pragma once
// Policy: what the controller's settings say about one event. Pure: no I/O, no clock, no ledger;
// everything it needs is passed in, so it is deterministic and tested alone.

#include <chrono>
#include <vector>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"
#include "proto/verdict.hpp"

namespace gpwatch::policy {

struct Decision {
    enum class Action {
        ignore,        // not a third-party write and nothing to close (own-practice write, flag, ...)
        track_write,   // a third-party write: record it, start its review clock, give it verdicts
        quarantine,    // could not be parsed: keep its bytes, alert
        close_review,  // a review (filed / rejected) closes the write it names
    };
    Action action = Action::ignore;
    std::vector<Verdict> verdicts;
    std::chrono::seconds review_within{0};  // working time allowed for the review (track_write)
    const char* review_state = "";         // "filed" / "rejected" (close_review)
};

// True when the write was made by someone outside the practice.
bool is_third_party(const Settings& settings, const RecordEvent& ev);

Decision evaluate(const Settings& settings, const RecordEvent& ev);

// The verdict for a write whose review deadline has passed unreviewed.
Verdict overdue_verdict(const Settings& settings, const std::string& author_ods,
                        const std::string& author_name, std::chrono::seconds review_within);

// The review deadline for a write from `author_ods`: its own, or the default.
std::chrono::seconds review_within(const Settings& settings, const std::string& author_ods);

}  // namespace gpwatch::policy
