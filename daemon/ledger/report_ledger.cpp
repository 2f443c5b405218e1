#include "daemon/ledger/report_ledger.hpp"

namespace gpwatch {

namespace {

// A write counts in the week it was written, or, when its time could not be right, the week it
// arrived (writes.trusted_at; the expression is the one the writes_trusted_time index is on).
// One GROUP BY over verdicts joined to writes, plus the writes whose NHS number failed its check.
// content_rule verdicts are grouped by rule: several rules may share a category, and the mapping
// lives in the settings, not the ledger.
// Only organisation-level columns are read: never nhs_number, author_name, author_user_*,
// upstream_id, codes or detail.
constexpr const char* kCountSql = R"sql(
    SELECT v.reason,
           CASE WHEN v.reason = 'content_rule' THEN v.rule ELSE '' END,
           w.feed,
           CASE WHEN w.author_org_type = '' THEN 'unknown' ELSE w.author_org_type END,
           CASE WHEN ?3 THEN w.author_ods ELSE '' END,
           count(*)
    FROM verdicts v JOIN writes w ON w.id = v.write_id
    WHERE coalesce(w.trusted_at, w.written_at) >= ?1 AND coalesce(w.trusted_at, w.written_at) < ?2
      AND v.reason NOT IN ('review_tracked', 'not_update_record', 'unreviewed_escalated')
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 'invalid_nhs_number', '',
           w.feed,
           CASE WHEN w.author_org_type = '' THEN 'unknown' ELSE w.author_org_type END,
           CASE WHEN ?3 THEN w.author_ods ELSE '' END,
           count(*)
    FROM writes w
    WHERE coalesce(w.trusted_at, w.written_at) >= ?1 AND coalesce(w.trusted_at, w.written_at) < ?2
      AND w.nhs_number_valid = 0
      AND w.review_state <> 'quarantined' AND w.review_state NOT LIKE 'drift-%'
    GROUP BY 1, 2, 3, 4, 5
)sql";

constexpr const char* kColumns =
    "period, revision, content_digest, body, created_at, state, attempts, next_attempt_at, "
    "coalesce(delivered_at, 0), coalesce(last_error, '')";

StoredReport row(const sqlite::Statement& s) {
    StoredReport r;
    r.period = s.text(0);
    r.revision = s.int64(1);
    r.content_digest = s.text(2);
    r.body = s.text(3);  // sqlite3_column_text on a BLOB gives its bytes unchanged, with their length
    r.created_at = s.int64(4);
    r.state = s.text(5);
    r.attempts = s.int64(6);
    r.next_attempt_at = s.int64(7);
    r.delivered_at = s.int64(8);
    r.last_error = s.text(9);
    return r;
}

std::vector<StoredReport> all_rows(sqlite::Statement& s) {
    std::vector<StoredReport> out;
    while (s.step()) out.push_back(row(s));
    s.reset();
    return out;
}

}  // namespace

// Asked once: the table exists from the ledger's migration on, and is missing only when
// gpwatchctl opens an older ledger read-only (which cannot migrate it). The reporter's timer
// reads the outbox every round; it need not ask sqlite_master each time.
ReportLedger::ReportLedger(Ledger& ledger) : db_(ledger.connection()) {
    auto s = db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lmc_reports'");
    has_table_ = s.step();
}

bool ReportLedger::has_table() const { return has_table_; }

std::optional<StoredReport> ReportLedger::latest(const std::string& period) {
    if (!has_table()) return std::nullopt;
    auto s = db_.prepare(std::string("SELECT ") + kColumns +
                         " FROM lmc_reports WHERE period = ?1 ORDER BY revision DESC LIMIT 1");
    s.bind(1, period);
    if (!s.step()) return std::nullopt;
    return row(s);
}

void ReportLedger::insert(const StoredReport& r) {
    // The body is bound as text and cast, so it is stored as a BLOB with its bytes unchanged
    // (the SQLite layer binds no blobs of its own).
    auto s = db_.prepare(
        "INSERT INTO lmc_reports (period, revision, content_digest, body, created_at, state, attempts, "
        "next_attempt_at, delivered_at, last_error) VALUES (?1, ?2, ?3, CAST(?4 AS BLOB), ?5, ?6, ?7, ?8, "
        "nullif(?9, 0), nullif(?10, ''))");
    s.bind(1, r.period).bind(2, r.revision).bind(3, r.content_digest).bind(4, r.body).bind(5, r.created_at)
        .bind(6, r.state).bind(7, r.attempts).bind(8, r.next_attempt_at).bind(9, r.delivered_at)
        .bind(10, r.last_error);
    s.run();
}

std::vector<StoredReport> ReportLedger::due(std::int64_t now, int limit) {
    if (!has_table()) return {};
    auto s = db_.prepare(std::string("SELECT ") + kColumns +
                         " FROM lmc_reports WHERE state = 'pending' AND next_attempt_at <= ?1 "
                         "ORDER BY next_attempt_at, period, revision LIMIT ?2");
    s.bind(1, now).bind(2, std::int64_t{limit});
    return all_rows(s);
}

std::int64_t ReportLedger::next_attempt_at() {
    if (!has_table()) return 0;
    auto s = db_.prepare("SELECT coalesce(min(next_attempt_at), 0) FROM lmc_reports WHERE state = 'pending'");
    s.step();
    return s.int64(0);
}

void ReportLedger::mark_delivered(const std::string& period, std::int64_t revision, std::int64_t now) {
    auto s = db_.prepare(
        "UPDATE lmc_reports SET state = 'delivered', delivered_at = ?3, attempts = attempts + 1, "
        "last_error = NULL WHERE period = ?1 AND revision = ?2");
    s.bind(1, period).bind(2, revision).bind(3, now);
    s.run();
}

void ReportLedger::mark_retry(const std::string& period, std::int64_t revision, std::int64_t attempts,
                              std::int64_t next_attempt_at, const std::string& error) {
    auto s = db_.prepare(
        "UPDATE lmc_reports SET attempts = ?3, next_attempt_at = ?4, last_error = ?5 "
        "WHERE period = ?1 AND revision = ?2 AND state = 'pending'");
    s.bind(1, period).bind(2, revision).bind(3, attempts).bind(4, next_attempt_at).bind(5, error);
    s.run();
}

void ReportLedger::mark_failed(const std::string& period, std::int64_t revision, const std::string& error) {
    auto s = db_.prepare(
        "UPDATE lmc_reports SET state = 'failed', attempts = attempts + 1, last_error = ?3 "
        "WHERE period = ?1 AND revision = ?2");
    s.bind(1, period).bind(2, revision).bind(3, error);
    s.run();
}

int ReportLedger::requeue_newest(const std::vector<std::string>& states, const std::string& period,
                                 std::int64_t now) {
    if (!has_table()) return 0;
    int queued = 0;
    for (const auto& state : states) {
        auto s = db_.prepare(
            "UPDATE lmc_reports SET state = 'pending', attempts = 0, next_attempt_at = ?1, last_error = NULL "
            "WHERE state = ?2 AND (?3 = '' OR period = ?3) "
            "AND revision = (SELECT max(revision) FROM lmc_reports newest WHERE newest.period = lmc_reports.period)");
        s.bind(1, now).bind(2, state).bind(3, period);
        s.run();
        queued += db_.changes();
    }
    return queued;
}

std::vector<IncidentCountRow> ReportLedger::incident_rows(std::int64_t start, std::int64_t end,
                                                          bool per_writer_ods) {
    auto s = db_.prepare(kCountSql);
    s.bind(1, start).bind(2, end).bind(3, std::int64_t{per_writer_ods ? 1 : 0});
    std::vector<IncidentCountRow> out;
    while (s.step())
        out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), static_cast<std::uint64_t>(s.int64(5))});
    return out;
}

std::optional<std::int64_t> ReportLedger::earliest_write_time() {
    auto s = db_.prepare("SELECT min(coalesce(trusted_at, written_at)) FROM writes");
    if (!s.step() || s.is_null(0)) return std::nullopt;
    return s.int64(0);
}

std::vector<StoredReport> ReportLedger::list() {
    if (!has_table()) return {};
    auto s = db_.prepare(std::string("SELECT ") + kColumns + " FROM lmc_reports ORDER BY period, revision");
    return all_rows(s);
}

}  // namespace gpwatch
