#pragma once
// RecordIngest: applies a batch of feed events to the ledger in ONE transaction (group commit):
// policy verdicts, writes, review closures, alerts into the outbox, and the feed cursor. Only
// after apply() returns is anything durable, and only then may the caller acknowledge upstream.
// It also raises unreviewed_overdue for writes the review clock says are due.

#include <cstdint>
#include <utility>
#include <vector>

#include "daemon/ingest/active_settings.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"
#include "proto/record_event.hpp"

namespace gpwatch {

struct IngestResult {
    std::uint64_t durable_seq = 0;   // highest clinical-feed seq now durable (0: none in the batch)
    int events = 0;
    int replays_skipped = 0;         // (feed, seq) already in the ledger
    int writes_recorded = 0;
    int alerts_created = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> deadlines;  // (write id, deadline) to schedule
    std::vector<std::int64_t> closed;                              // write ids reviewed in this batch
};

class RecordIngest {
public:
    RecordIngest(Ledger& ledger, const Pseudonymiser& pseudonymiser);

    // Throws sqlite::Error if the ledger cannot commit; then nothing of the batch is durable.
    IngestResult apply(const ActiveSettings& active, const std::vector<RecordEvent>& batch,
                       std::int64_t now);

    // Raises unreviewed_overdue (once) for each still-unreviewed write; returns alerts created.
    int raise_overdue(const ActiveSettings& active, const std::vector<std::int64_t>& write_ids,
                      std::int64_t now);

    // Recomputes every open write's deadline under `active` (start-up, reload); returns them.
    std::vector<std::pair<std::int64_t, std::int64_t>> recompute_deadlines(const ActiveSettings& active);

private:
    void apply_one(const ActiveSettings& active, const RecordEvent& ev, std::int64_t now,
                   IngestResult& result);
    int alert_on(const ActiveSettings& active, std::int64_t write_id, const Verdict& v,
                 std::int64_t now);

    Ledger& ledger_;
    const Pseudonymiser& pseudonymiser_;
};

// The deadline of a write whose review clock started at `from`, in unix seconds (0: never).
std::int64_t review_deadline(const WorkingCalendar& calendar, std::int64_t from,
                             std::int64_t within_seconds);

}  // namespace gpwatch
