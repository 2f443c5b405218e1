#pragma once
// What LMC reporting reads and writes in the ledger. The lmc_reports table: every revision of
// every week's LMC report, as the exact signed bytes that are (or would be) uploaded, with its own
// outbox state; and the raw incident counts of a period, read from writes and verdicts. Shares the
// ledger's connection and transactions (like DeliveryLedger). A sealed revision's body and digest
// never change; only its delivery state does.
//
// Against a ledger older than the lmc_reports migration (gpwatchctl reads read-only, and may run
// before gpwatchd first migrated), reads return nothing instead of failing.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

struct StoredReport {
    std::string period;              // "2026-W47"
    std::int64_t revision = 0;       // 1, 2, ...
    std::string content_digest;      // sha256 hex over the controlled counts (report_builder.hpp)
    std::string body;                // SignedIncidentReport bytes
    std::int64_t created_at = 0;
    std::string state = "pending";   // pending | delivered | failed | unsent
    std::int64_t attempts = 0;
    std::int64_t next_attempt_at = 0;
    std::int64_t delivered_at = 0;   // 0: not delivered
    std::string last_error;          // empty: none
};

// One raw group of a period's incidents, as the ledger holds it (daemon/reporting/incident_counts
// turns these into report cells: rules into categories, odd organisation values into "unknown").
// Only organisation-level columns: nothing about patients.
struct IncidentCountRow {
    std::string reason;           // verdicts.reason, or "invalid_nhs_number"
    std::string rule;             // content_rule: the rule's name; else empty
    std::string feed;             // writes.feed
    std::string writer_org_type;  // writes.author_org_type; "unknown" when empty
    std::string writer_ods;       // writes.author_ods when counted per writer; else empty
    std::uint64_t count = 0;
};

class ReportLedger {
public:
    explicit ReportLedger(Ledger& ledger);

    // The highest revision stored for `period`, if any.
    std::optional<StoredReport> latest(const std::string& period);
    // Throws sqlite::Error if (period, revision) is already stored: a revision is sealed once.
    void insert(const StoredReport& report);
    // Pending reports whose next attempt is due (next_attempt_at <= now), oldest first.
    std::vector<StoredReport> due(std::int64_t now, int limit);
    // The earliest next_attempt_at of a pending report; 0 when none is pending.
    std::int64_t next_attempt_at();
    // mark_delivered and mark_failed count the attempt that ended it (attempts + 1);
    // mark_retry sets attempts to what the uploader counted, and keeps the report pending.
    void mark_delivered(const std::string& period, std::int64_t revision, std::int64_t now);
    void mark_retry(const std::string& period, std::int64_t revision, std::int64_t attempts,
                    std::int64_t next_attempt_at, const std::string& error);
    void mark_failed(const std::string& period, std::int64_t revision, const std::string& error);
    // Every row, by period then revision.
    std::vector<StoredReport> list();
    // Puts the newest revision of each week back in the outbox (pending, due `now`, attempts 0)
    // when its state is one of `states` ("unsent", "failed"); only `period` when it is not empty.
    // Older revisions stay as they are: the newest replaces them. Returns how many were queued.
    int requeue_newest(const std::vector<std::string>& states, const std::string& period, std::int64_t now);

    // --- what a report counts (daemon/reporting/incident_counts.hpp): verdicts and invalid NHS numbers of the
    // writes with start <= coalesce(trusted_at, written_at) < end, grouped by reason, rule, feed,
    // writer's organisation type and (per_writer_ods) ODS code. review_tracked,
    // not_update_record and unreviewed_escalated are not incidents and are left out; quarantined
    // and processor drift rows carry no NHS number and count no invalid one.
    std::vector<IncidentCountRow> incident_rows(std::int64_t start, std::int64_t end, bool per_writer_ods);
    // When the earliest write was written (its trusted time when the feed's could not be right);
    // nullopt while the ledger holds none.
    std::optional<std::int64_t> earliest_write_time();

private:
    bool has_table() const;
    sqlite::Connection& db_;
    bool has_table_ = false;
};

}  // namespace gpwatch
