#pragma once
// ReportStore: where the collector keeps registered practices and the reports they send.
// Two implementations share one schema (sqlite_report_store, postgres_report_store):
//   practices(ods PK, public_key_pem, key_id, registered_at)
//   reports(practice, period, revision, digest, body, generated_at, received_at,
//           PK(practice, period, revision))
//   report_counts(practice, period, revision, reason, feed, writer_org_type, writer_ods, value, redacted)
//   report_totals(practice, period, revision, reason, value, redacted)
// A report and its rows are written in one transaction, and the primary key decides between two
// uploads of the same (practice, period, revision) racing each other: one is stored, the other
// learns it was a duplicate.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gpwatch::collector {

// The database failed (connection lost, disk full...). The server answers 503 so the practice
// retries; commands exit 1.
struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct PracticeRecord {
    std::string ods;
    std::string public_key_pem;
    std::string key_id;
    std::int64_t registered_at = 0;  // unix seconds
};

struct StoredRevision {
    std::uint32_t revision = 0;
    std::string digest;  // "sha256:<hex of body>"
};

struct CountRow {
    std::string practice;
    std::string period;
    std::uint32_t revision = 0;
    std::string reason;
    std::string feed;
    std::string writer_org_type;
    std::string writer_ods;
    std::uint32_t value = 0;
    bool redacted = false;
};

struct TotalRow {
    std::string practice;
    std::string period;
    std::uint32_t revision = 0;
    std::string reason;
    std::uint32_t value = 0;
    bool redacted = false;
};

struct NewReport {
    std::string practice;
    std::string period;
    std::uint32_t revision = 0;
    std::string digest;
    std::string body;  // the exact SignedIncidentReport bytes received
    std::int64_t generated_at = 0;
    std::int64_t received_at = 0;
    std::vector<CountRow> counts;
    std::vector<TotalRow> totals;
};

// One stored report, without its body.
struct ReportRef {
    std::string practice;
    std::string period;
    std::uint32_t revision = 0;
};

enum class RegisterOutcome { registered, replaced, unchanged, exists_with_other_key };
enum class InsertOutcome { stored, duplicate };

class ReportStore {
public:
    virtual ~ReportStore() = default;

    virtual std::optional<PracticeRecord> practice(std::string_view ods) = 0;
    virtual std::vector<PracticeRecord> practices() = 0;  // by ODS code
    // Registers `p`; an ODS code already registered with another key is replaced only when
    // `replace` is true (else exists_with_other_key and nothing changes).
    virtual RegisterOutcome register_practice(const PracticeRecord& p, bool replace) = 0;

    // The revisions stored for (practice, period), lowest first.
    virtual std::vector<StoredRevision> revisions(std::string_view practice, std::string_view period) = 0;
    // Stores the report and its rows in one transaction; duplicate when (practice, period,
    // revision) is already stored (nothing written).
    virtual InsertOutcome insert_report(const NewReport& report) = 0;

    // The latest revision of each (practice, period) with from <= period <= to: who reported,
    // even when a report holds no counts at all (a quiet week).
    virtual std::vector<ReportRef> latest_reports(std::string_view from, std::string_view to) = 0;
    // Rows of the latest revision of each (practice, period) with from <= period <= to (period
    // names "2026-W47" sort as text in time order).
    virtual std::vector<CountRow> latest_counts(std::string_view from, std::string_view to) = 0;
    virtual std::vector<TotalRow> latest_totals(std::string_view from, std::string_view to) = 0;
};

}  // namespace gpwatch::collector
