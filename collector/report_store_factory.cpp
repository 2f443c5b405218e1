#include "collector/report_store_factory.hpp"

#include "collector/postgres_report_store.hpp"
#include "collector/sqlite_report_store.hpp"

namespace gpwatch::collector {

std::unique_ptr<ReportStore> open_report_store(const StorageSettings& storage) {
    switch (storage.backend) {
    case StorageBackend::postgresql:
        return std::make_unique<PostgresReportStore>(storage.postgresql_conninfo);
    case StorageBackend::sqlite:
        break;
    }
    return std::make_unique<SqliteReportStore>(storage.sqlite_path);
}

}  // namespace gpwatch::collector
