#pragma once
// Opens the store the settings name: SQLite (default) or PostgreSQL.

#include <memory>

#include "collector/collector_settings.hpp"
#include "collector/report_store.hpp"

namespace gpwatch::collector {

// Throws StoreError when the database cannot be opened or its tables created.
std::unique_ptr<ReportStore> open_report_store(const StorageSettings& storage);

}  // namespace gpwatch::collector
