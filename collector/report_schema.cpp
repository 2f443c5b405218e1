#include "collector/report_schema.hpp"

namespace gpwatch::collector {

namespace {

// {INT64}: unix seconds; {BYTES}: the report's exact signed bytes.
constexpr const char* kSchemaTemplate = R"sql(
CREATE TABLE IF NOT EXISTS practices (
    ods            TEXT    PRIMARY KEY,
    public_key_pem TEXT    NOT NULL,
    key_id         TEXT    NOT NULL,
    registered_at  {INT64} NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    practice     TEXT    NOT NULL REFERENCES practices(ods),
    period       TEXT    NOT NULL,
    revision     INTEGER NOT NULL,
    digest       TEXT    NOT NULL,
    body         {BYTES} NOT NULL,
    generated_at {INT64} NOT NULL,
    received_at  {INT64} NOT NULL,
    PRIMARY KEY (practice, period, revision)
);
CREATE TABLE IF NOT EXISTS report_counts (
    practice        TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    revision        INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    feed            TEXT    NOT NULL,
    writer_org_type TEXT    NOT NULL,
    writer_ods      TEXT    NOT NULL,
    value           INTEGER NOT NULL,
    redacted        BOOLEAN NOT NULL,
    FOREIGN KEY (practice, period, revision) REFERENCES reports(practice, period, revision)
);
CREATE INDEX IF NOT EXISTS report_counts_report ON report_counts(practice, period, revision);
CREATE TABLE IF NOT EXISTS report_totals (
    practice TEXT    NOT NULL,
    period   TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    reason   TEXT    NOT NULL,
    value    INTEGER NOT NULL,
    redacted BOOLEAN NOT NULL,
    FOREIGN KEY (practice, period, revision) REFERENCES reports(practice, period, revision)
);
CREATE INDEX IF NOT EXISTS report_totals_report ON report_totals(practice, period, revision);
)sql";

void replace_all(std::string& s, const std::string& what, const std::string& with) {
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
        s.replace(at, what.size(), with);
}

}  // namespace

std::string report_schema_sql(SqlDialect dialect) {
    std::string sql = kSchemaTemplate;
    const bool pg = dialect == SqlDialect::postgresql;
    replace_all(sql, "{INT64}", pg ? "BIGINT " : "INTEGER");
    replace_all(sql, "{BYTES}", pg ? "BYTEA" : "BLOB ");
    return sql;
}

}  // namespace gpwatch::collector
