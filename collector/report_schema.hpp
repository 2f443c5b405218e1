#pragma once
// The collector's tables, written once for both backends so they cannot drift apart: the same
// columns and keys, in each database's own types. report_counts/report_totals hang off reports
// by the composite key, so a report and its rows live and die together.

#include <string>

namespace gpwatch::collector {

enum class SqlDialect { sqlite, postgresql };

// CREATE TABLE / CREATE INDEX statements (IF NOT EXISTS), run at every open.
std::string report_schema_sql(SqlDialect dialect);

}  // namespace gpwatch::collector
