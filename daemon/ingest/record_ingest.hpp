#pragma once
// RecordIngest: applies a batch of feed events to the ledger in ONE transaction (group commit):
// policy verdicts, writes, review closures, alerts into the outbox, and the feed cursor. Only
// after apply() returns is anything durable, and only then may the caller acknowledge upstream.
// It also raises unreviewed_overdue for writes the review clock says are due, and the
// escalation (unreviewed_escalated) escalation.after past the deadline.
//
// What each policy Decision does here:
//   track_write       the write, its verdicts and alerts; Update Record: linked to what it
//                     replaces, which it closes (review state "replaced")
//   close_review      workflow.filed / rejected close the write they name (Update Record by message id)
//   patient_flags     the patient's flags change (patient.flags, or flag codes in a write)
//   processor_change  sharing.changed opens a processor drift, or closes it when back in line
//   record_only       a MESH message that is not an Update Record: logged, never alerted
//   quarantine        an unparseable message: kept whole and alerted

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "daemon/alerts/alert_composer.hpp"
#include "daemon/ingest/active_settings.hpp"
#include "daemon/ledger/controller_ledger.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"
#include "proto/record_event.hpp"

namespace gpwatch {

struct IngestResult {
    std::uint64_t durable_seq = 0;  // highest clinical-feed seq now durable (0: none in the batch)
    int events = 0;
    int replays_skipped = 0;  // (feed, seq) already in the ledger
    int mesh_messages_recorded = 0;  // MESH messages recorded for the first time
    int writes_recorded = 0;
    int alerts_created = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> deadlines;  // (write id, deadline) to schedule
    std::vector<std::int64_t> closed;  // write ids reviewed (or replaced) in this batch
    int flags_changed = 0;             // patient flags set or cleared
    int drifts_opened = 0;             // processor drifts that started in this batch
    int drifts_closed = 0;             // processor drifts that came back in line
};

class RecordIngest {
public:
    RecordIngest(Ledger& ledger, const Pseudonymiser& pseudonymiser);

    // Throws sqlite::Error if the ledger cannot commit; then nothing of the batch is durable.
    IngestResult apply(const ActiveSettings& active, const std::vector<RecordEvent>& batch, std::int64_t now);

    // Raises unreviewed_overdue (once) for each still-unreviewed write, and, with escalation on,
    // unreviewed_escalated (once) for those escalation.after past their deadline; returns alerts
    // created. Writes whose escalation is still to come are added to `escalate_at` as
    // (write id, when), for the caller's review clock.
    int raise_overdue(const ActiveSettings& active, const std::vector<std::int64_t>& write_ids,
                      std::int64_t now,
                      std::vector<std::pair<std::int64_t, std::int64_t>>* escalate_at = nullptr);

    // Recomputes every open write's deadline under `active` (start-up, reload) without alerting;
    // returns when each must be looked at next: its deadline, or, once overdue, its escalation.
    // Also closes processor drifts the new settings no longer call drift.
    std::vector<std::pair<std::int64_t, std::int64_t>> recompute_deadlines(const ActiveSettings& active);
    // The same a slice at a time, so a large ledger never holds the event loop: open writes with
    // id > after_id, at most `limit` of them, in one transaction. `last_id` is set to the last
    // write looked at, or 0 when there were none left. Drifts are closed by close_drifts_in_line.
    std::vector<std::pair<std::int64_t, std::int64_t>> recompute_deadlines_slice(const ActiveSettings& active,
                                                                                 std::int64_t after_id, int limit,
                                                                                 std::int64_t& last_id);
    // Closes processor drifts the settings no longer call drift (start-up, reload).
    void close_drifts_in_line(const ActiveSettings& active);

    ControllerLedger& controller_ledger() { return controller_; }

private:
    void apply_one(const ActiveSettings& active, const RecordEvent& ev, std::int64_t now,
                   IngestResult& result);
    int alert_on(const ActiveSettings& active, std::int64_t write_id, const Verdict& v, std::int64_t now,
                 const alerts::AlertContext& context = {});
    void track_write(const ActiveSettings& active, const RecordEvent& ev, const policy::Decision& d,
                     std::int64_t now, IngestResult& result);
    // A review stamped before the write it names: recorded as a verdict (and alerted), the write
    // left open.
    void refuse_review(const ActiveSettings& active, const RefusedReview& r, std::int64_t now, IngestResult& result);
    // Which reviews close nothing: policy's rule (daemon/policy/time_plausibility.hpp).
    static ReviewGuard review_guard();
    void link_update_record(const RecordEvent& ev, std::int64_t write_id, bool& open, IngestResult& result);
    void processor_change(const ActiveSettings& active, const RecordEvent& ev, const policy::Decision& d,
                          std::int64_t now, IngestResult& result);
    void apply_flag_changes(const RecordEvent& ev, const std::vector<policy::FlagChange>& changes,
                            IngestResult& result);
    policy::PatientFlags patient_flags_of(const std::string& nhs_number);
    // When an overdue write escalates (0: never, escalation off).
    std::int64_t escalation_at(const ActiveSettings& active, const WriteRecord& w) const;

    // Alerts added in the open transaction, logged as raised once it is committed (a batch that
    // fails to commit raised nothing, and is raised again when it comes back).
    struct Raised {
        std::int64_t alert_id = 0;
        std::int64_t write_id = 0;
        std::string subject;
    };
    void log_raised();

    Ledger& ledger_;
    ControllerLedger controller_;
    const Pseudonymiser& pseudonymiser_;
    std::vector<Raised> raised_;
};

// The mesh_messages row for an event that came from the MESH mailbox (ev.mesh set).
MeshMessageRow mesh_message_row(const RecordEvent& ev, std::int64_t now);

// The deadline of a write whose review clock started at `from`, in unix seconds (0: never).
std::int64_t review_deadline(const WorkingCalendar& calendar, std::int64_t from, std::int64_t within_seconds);

}  // namespace gpwatch
