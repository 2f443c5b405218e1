#pragma once
// Verdict: what the controller's settings say about one event. Produced by policy only.

#include <chrono>
#include <optional>
#include <string>

namespace gpwatch {

enum class Severity { info, review, high, urgent };

// Why a write matters. The string forms are a public interface (gpwatchctl --json, alerts).
enum class Reason {
    review_tracked,       // a third-party write that must be reviewed by its deadline
    unauthorised_write,   // written by an organisation the practice prohibited
    unknown_writer,       // written by an organisation the settings do not list
    unreviewed_overdue,   // not reviewed by its deadline (raised by the review clock)
    unparseable_message,  // arrived but could not be read: quarantined with its bytes
};

struct Verdict {
    Reason reason = Reason::review_tracked;
    Severity severity = Severity::info;
    std::string detail;  // one plain sentence, no patient identifier
};

// Reasons that produce an alert to the duty inbox; review_tracked alone does not.
inline bool reason_alerts(Reason r) { return r != Reason::review_tracked; }

const char* to_string(Severity s);
const char* to_string(Reason r);
std::optional<Reason> reason_from_string(const std::string& s);
std::optional<Severity> severity_from_string(const std::string& s);

}  // namespace gpwatch
