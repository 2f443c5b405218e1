#pragma once
// ReportStore on PostgreSQL (libpq), for an LMC or ICB with hundreds of practices or several
// collector instances. Same tables and columns as the SQLite store; a lost connection is retried
// once per call (PQreset) and otherwise reported as StoreError, which the server turns into 503
// so the practice's uploader retries later.

#include <string>

#include "collector/report_store.hpp"

struct pg_conn;

namespace gpwatch::collector {

class PostgresReportStore final : public ReportStore {
public:
    // Connects with a libpq connection string ("host=/tmp/x dbname=lmc user=collector") and
    // creates the tables when missing. Throws StoreError with libpq's reason (never the password).
    explicit PostgresReportStore(const std::string& conninfo);
    ~PostgresReportStore() override;
    PostgresReportStore(const PostgresReportStore&) = delete;
    PostgresReportStore& operator=(const PostgresReportStore&) = delete;

    std::optional<PracticeRecord> practice(std::string_view ods) override;
    std::vector<PracticeRecord> practices() override;
    RegisterOutcome register_practice(const PracticeRecord& p, bool replace) override;
    std::vector<StoredRevision> revisions(std::string_view practice, std::string_view period) override;
    InsertOutcome insert_report(const NewReport& report) override;
    std::vector<ReportRef> latest_reports(std::string_view from, std::string_view to) override;
    std::vector<CountRow> latest_counts(std::string_view from, std::string_view to) override;
    std::vector<TotalRow> latest_totals(std::string_view from, std::string_view to) override;

private:
    void ensure_connected();
    pg_conn* conn_ = nullptr;
};

}  // namespace gpwatch::collector
