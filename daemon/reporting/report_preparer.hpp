#pragma once
// Decides which weeks are reported and which revision each one is: re-counts the closed weeks,
// compares each with the latest revision stored, and seals and records a new revision when the
// controlled counts changed (a first report, or late events in a week already reported).
//
// A week is closed once its end + reporting.settle_after has passed; the newest
// reporting.look_back_weeks closed weeks are re-counted, none from before the week of the
// earliest write in the ledger (by when it was written: a feed's backlog counts in its own week).

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/ledger/ledger.hpp"
#include "daemon/reporting/incident_counts.hpp"
#include "daemon/reporting/report_builder.hpp"
#include "daemon/ledger/report_ledger.hpp"
#include "proto/incident_report.pb.h"
#include "proto/reporting_settings.hpp"
#include "reporting/iso_week.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch {

struct PreparedReport {
    report::IncidentReport report;  // revision and generated_at filled (see prepare)
    std::string digest;             // content_digest(report)
    bool changed = false;           // true: no stored revision has these counts (a new one is due)
};

class ReportPreparer {
public:
    // `key` may be null: then the preparer can show reports but not seal them.
    ReportPreparer(Ledger& ledger, ReportContext context, const ReportingSettings& settings,
                   const reporting::SigningKey* key);

    // Closed weeks still revised, oldest first; empty before the ledger holds any write.
    std::vector<reporting::IsoWeek> closed_periods(std::int64_t now);
    // The newest closed week (whether or not the ledger has writes).
    reporting::IsoWeek latest_closed_period(std::int64_t now) const;

    // Counts `week` now. Unchanged counts: the latest stored revision exactly as sealed (decoded
    // from its stored bytes, so its settings hash and version are those sent, not today's).
    // Changed: latest + 1 (1 when none), generated_at now.
    PreparedReport prepare(const reporting::IsoWeek& week, std::int64_t now);

    // Seals each changed closed week with the key and stores it (one transaction): state pending
    // with next_attempt_at now, or 'unsent' when no upload is configured. Returns how many.
    // Throws std::logic_error without a key.
    int record_new_revisions(std::int64_t now, bool upload_configured);

private:
    Ledger& ledger_;
    ReportContext context_;
    ReportingSettings settings_;
    const reporting::SigningKey* key_;
    ReportLedger reports_;
};

}  // namespace gpwatch
