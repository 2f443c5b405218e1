#pragma once
// Where a recorded write stands in its review, as the ledger stores it (writes.review_state).

#include <string_view>

namespace gpwatch {

enum class ReviewState {
    unreviewed,    // waiting for a GP, by its deadline
    filed,         // a GP filed it in the clinical system's workflow
    rejected,      // a GP rejected it
    quarantined,   // unreadable or untrusted; kept, never reviewed
    replaced,      // a later version of the same record took its place
    drift_open,    // not a write: an open processor drift
    drift_closed,  // ...and closed again
};

// The word the ledger stores: "unreviewed", "filed", ..., "drift-open", "drift-closed".
constexpr std::string_view to_string(ReviewState s) {
    switch (s) {
        case ReviewState::unreviewed: return "unreviewed";
        case ReviewState::filed: return "filed";
        case ReviewState::rejected: return "rejected";
        case ReviewState::quarantined: return "quarantined";
        case ReviewState::replaced: return "replaced";
        case ReviewState::drift_open: return "drift-open";
        case ReviewState::drift_closed: return "drift-closed";
    }
    return "?";
}

}  // namespace gpwatch
