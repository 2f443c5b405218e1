#pragma once
// ReportStore on SQLite (the default: one file, enough for an LMC's few dozen practices).
// WAL mode and a busy timeout let `gpwatch-collector register` run while the server does.

#include <memory>
#include <string>

#include "collector/report_store.hpp"

struct sqlite3;

namespace gpwatch::collector {

class SqliteReportStore final : public ReportStore {
public:
    // Opens (creating when missing) the database at `path`; ":memory:" for tests.
    // Throws StoreError naming the file.
    explicit SqliteReportStore(const std::string& path);
    ~SqliteReportStore() override;
    SqliteReportStore(const SqliteReportStore&) = delete;
    SqliteReportStore& operator=(const SqliteReportStore&) = delete;

    std::optional<PracticeRecord> practice(std::string_view ods) override;
    std::vector<PracticeRecord> practices() override;
    RegisterOutcome register_practice(const PracticeRecord& p, bool replace) override;
    std::vector<StoredRevision> revisions(std::string_view practice, std::string_view period) override;
    InsertOutcome insert_report(const NewReport& report) override;
    std::vector<ReportRef> latest_reports(std::string_view from, std::string_view to) override;
    std::vector<CountRow> latest_counts(std::string_view from, std::string_view to) override;
    std::vector<TotalRow> latest_totals(std::string_view from, std::string_view to) override;

private:
    void exec(const char* sql);
    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace gpwatch::collector
