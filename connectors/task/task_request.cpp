#include "connectors/task/task_request.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "connectors/mail/rfc5322.hpp"

namespace gpwatch::task {

const char* priority_for(Severity severity) {
    switch (severity) {
        case Severity::urgent: return "urgent";
        case Severity::high: return "high";
        case Severity::review:
        case Severity::info: return "routine";
    }
    return "routine";
}

std::string dedupe_key(const Alert& alert, const std::string& practice_ods) {
    // The ledger's identity too: a replaced or rewound ledger's alert 42 is not the task of 42.
    return "gpwatch-" + practice_ods + (alert.ledger_id.empty() ? "" : "-ledger-" + alert.ledger_id) + "-alert-" +
           std::to_string(alert.id);
}

std::string task_text(const Alert& alert) {
    if (alert.body.size() <= kMaxTaskText) return alert.body;
    // Cut at a line end, and say where the rest is: a digest of hundreds of alerts is longer than
    // a task list holds, and a clinical system refuses (413) what it cannot hold.
    const std::string note = "\n[... cut here: the rest is in the duty inbox and in 'gpwatchctl alerts' (alert " +
                             std::to_string(alert.id) + ")]\n";
    auto cut = alert.body.rfind('\n', kMaxTaskText - note.size());
    if (cut == std::string::npos || cut == 0) cut = kMaxTaskText - note.size();
    return alert.body.substr(0, cut) + note;
}

std::string task_json(const Alert& alert, const std::string& practice_ods, const std::string& list) {
    boost::json::object doc{
        {"practice", practice_ods},
        {"list", list},
        {"priority", priority_for(alert.severity)},
        {"title", alert.subject},
        {"body", task_text(alert)},
        {"dedupe_key", dedupe_key(alert, practice_ods)},
        // The first alert about the same write (its Message-ID): the clinical system can keep a
        // write's follow-ups with its first task.
        {"thread_id", alert.in_reply_to_alert.empty() ? mail::bare_message_id(alert.id, alert.ledger_id, practice_ods)
                                                       : alert.in_reply_to_alert},
    };
    if (!alert.nhs_number.empty()) doc["patient"] = boost::json::object{{"nhs_number", alert.nhs_number}};
    return boost::json::serialize(doc);
}

}  // namespace gpwatch::task
