#pragma once
// The sentence of a verdict: what policy (and ingest, for the times it doubts) found, in the
// words the ledger keeps and the alert's "Why it matters" says. Policy decides and fills the
// facts; it writes no sentence. One plain sentence, no patient identifier.

#include <chrono>
#include <string>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"
#include "proto/verdict.hpp"

namespace gpwatch::alerts {

// The sentence for `verdict`, from its facts (times in the practice's zone, calendar.time_zone).
std::string verdict_words(const Settings& settings, const Verdict& verdict);

// The verdicts with their sentences (detail) written: what is stored is what the alert says.
void word_verdicts(const Settings& settings, std::vector<Verdict>& verdicts);

// Why a time was doubted, as its verdict and the log say it: implausible_time "73 years ahead of
// its arrival"; review_refused "over an hour before the write itself (...)". Empty for others.
std::string doubt_words(const Verdict& verdict);

// "the system supplier", "Practice Manager (practice user u-0077)": who made a change.
std::string changed_by(const std::string& kind, const std::string& name, const std::string& user_id);
inline std::string changed_by(const RecordEvent& ev) {
    return changed_by(ev.changed_by_kind, ev.changed_by_name, ev.changed_by_user_id);
}

// "4h", "1h30m", "45s": a working-time duration.
std::string duration_words(std::chrono::seconds s);

}  // namespace gpwatch::alerts
