// String forms of the proto enums. They are a public interface: gpwatchctl --json and the
// ledger store them, admins' scripts match on them. Add names; never rename one.

#include "proto/alert.hpp"
#include "proto/record_event.hpp"
#include "proto/verdict.hpp"

namespace gpwatch {

const char* to_string(Feed f) {
    switch (f) {
        case Feed::clinical: return "clinical";
        case Feed::update_record: return "update_record";
    }
    return "?";
}

std::optional<Feed> feed_from_string(const std::string& s) {
    if (s == "clinical") return Feed::clinical;
    if (s == "update_record") return Feed::update_record;
    return std::nullopt;
}

const char* to_string(EventKind k) {
    switch (k) {
        case EventKind::entry_created: return "entry.created";
        case EventKind::entry_amended: return "entry.amended";
        case EventKind::entry_entered_in_error: return "entry.entered-in-error";
        case EventKind::workflow_filed: return "workflow.filed";
        case EventKind::workflow_rejected: return "workflow.rejected";
        case EventKind::sharing_changed: return "sharing.changed";
        case EventKind::patient_flags: return "patient.flags";
        case EventKind::not_update_record: return "not-update-record";
        case EventKind::unparseable: return "unparseable";
        case EventKind::other: return "other";
    }
    return "?";
}

const char* to_string(Severity s) {
    switch (s) {
        case Severity::info: return "info";
        case Severity::review: return "review";
        case Severity::high: return "high";
        case Severity::urgent: return "urgent";
    }
    return "?";
}

std::optional<Severity> severity_from_string(const std::string& s) {
    for (auto v : {Severity::info, Severity::review, Severity::high, Severity::urgent})
        if (s == to_string(v)) return v;
    return std::nullopt;
}

const char* to_string(Reason r) {
    switch (r) {
        case Reason::review_tracked: return "review_tracked";
        case Reason::unauthorised_write: return "unauthorised_write";
        case Reason::unknown_writer: return "unknown_writer";
        case Reason::unreviewed_overdue: return "unreviewed_overdue";
        case Reason::unparseable_message: return "unparseable_message";
        case Reason::content_rule: return "content_rule";
        case Reason::patient_visible_before_review: return "patient_visible_before_review";
        case Reason::processor_drift: return "processor_drift";
        case Reason::unreviewed_escalated: return "unreviewed_escalated";
        case Reason::not_update_record: return "not_update_record";
        case Reason::implausible_time: return "implausible_time";
        case Reason::review_refused: return "review_refused";
    }
    return "?";
}

const std::vector<Reason>& all_reasons() {
    static const std::vector<Reason> v{Reason::unauthorised_write,
                                       Reason::unknown_writer,
                                       Reason::unreviewed_overdue,
                                       Reason::unparseable_message,
                                       Reason::review_tracked,
                                       Reason::content_rule,
                                       Reason::patient_visible_before_review,
                                       Reason::processor_drift,
                                       Reason::unreviewed_escalated,
                                       Reason::not_update_record,
                                       Reason::implausible_time,
                                       Reason::review_refused};
    return v;
}

std::optional<Reason> reason_from_string(const std::string& s) {
    for (auto v : all_reasons())
        if (s == to_string(v)) return v;
    return std::nullopt;
}

std::string reason_name(const Alert& a) { return a.condition.empty() ? to_string(a.reason) : a.condition; }

std::string alert_key(const Alert& a) {
    return a.ledger_id.empty() ? std::to_string(a.id) : a.ledger_id + "-" + std::to_string(a.id);
}

const char* to_string(DeliveryState s) {
    switch (s) {
        case DeliveryState::pending: return "pending";
        case DeliveryState::delivered: return "delivered";
        case DeliveryState::failed: return "failed";
        case DeliveryState::silenced: return "silenced";
    }
    return "?";
}

}  // namespace gpwatch
