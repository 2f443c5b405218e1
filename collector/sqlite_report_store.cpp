#include "collector/sqlite_report_store.hpp"

#include <sqlite3.h>

#include "collector/report_schema.hpp"

namespace gpwatch::collector {

namespace {

// The latest revision of each (practice, period) in [?1, ?2].
constexpr const char* kLatest =
    "SELECT practice, period, MAX(revision) AS revision FROM reports WHERE period >= ?1 AND period <= ?2 "
    "GROUP BY practice, period";

// A prepared statement that finalises itself; every step checks its result.
class Statement {
public:
    Statement(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
            throw StoreError(std::string("sqlite: cannot prepare statement: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& text(int i, std::string_view v) {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Statement& blob(int i, std::string_view v) {
        check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Statement& integer(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    // True while there is a row; false when done. SQLITE_CONSTRAINT is reported apart, as the
    // primary key deciding a race is not a failure.
    bool step(bool* constraint = nullptr) {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        if (constraint && (rc & 0xff) == SQLITE_CONSTRAINT) {
            *constraint = true;
            return false;
        }
        throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db_));
    }
    std::string column_text(int i) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
    }
    std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
    // Ready for the next row of a batch insert.
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) throw StoreError(std::string("sqlite: cannot bind: ") + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Rolls back unless committed: an exception half-way through an insert leaves nothing behind.
class Transaction {
public:
    explicit Transaction(sqlite3* db) : db_(db) { run("BEGIN IMMEDIATE"); }
    ~Transaction() {
        if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        run("COMMIT");
        done_ = true;
    }

private:
    void run(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            throw StoreError(std::string("sqlite: ") + sql + ": " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    bool done_ = false;
};

}  // namespace

SqliteReportStore::SqliteReportStore(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError("cannot open SQLite database " + path + ": " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
    try {
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA foreign_keys=ON");
        exec(report_schema_sql(SqlDialect::sqlite).c_str());
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteReportStore::~SqliteReportStore() { sqlite3_close(db_); }

void SqliteReportStore::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string why = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw StoreError("SQLite database " + path_ + ": " + why);
    }
}

std::optional<PracticeRecord> SqliteReportStore::practice(std::string_view ods) {
    Statement st(db_, "SELECT ods, public_key_pem, key_id, registered_at FROM practices WHERE ods = ?1");
    st.text(1, ods);
    if (!st.step()) return std::nullopt;
    return PracticeRecord{st.column_text(0), st.column_text(1), st.column_text(2), st.column_int(3)};
}

std::vector<PracticeRecord> SqliteReportStore::practices() {
    Statement st(db_, "SELECT ods, public_key_pem, key_id, registered_at FROM practices ORDER BY ods");
    std::vector<PracticeRecord> out;
    while (st.step()) out.push_back({st.column_text(0), st.column_text(1), st.column_text(2), st.column_int(3)});
    return out;
}

RegisterOutcome SqliteReportStore::register_practice(const PracticeRecord& p, bool replace) {
    Transaction tx(db_);
    auto existing = practice(p.ods);
    RegisterOutcome outcome = RegisterOutcome::registered;
    if (existing) {
        if (existing->key_id == p.key_id) return RegisterOutcome::unchanged;
        if (!replace) return RegisterOutcome::exists_with_other_key;
        Statement st(db_, "UPDATE practices SET public_key_pem = ?1, key_id = ?2, registered_at = ?3 WHERE ods = ?4");
        st.text(1, p.public_key_pem).text(2, p.key_id).integer(3, p.registered_at).text(4, p.ods);
        st.step();
        outcome = RegisterOutcome::replaced;
    } else {
        Statement st(db_, "INSERT INTO practices (ods, public_key_pem, key_id, registered_at) VALUES (?1, ?2, ?3, ?4)");
        st.text(1, p.ods).text(2, p.public_key_pem).text(3, p.key_id).integer(4, p.registered_at);
        st.step();
    }
    tx.commit();
    return outcome;
}

std::vector<StoredRevision> SqliteReportStore::revisions(std::string_view practice, std::string_view period) {
    Statement st(db_, "SELECT revision, digest FROM reports WHERE practice = ?1 AND period = ?2 ORDER BY revision");
    st.text(1, practice).text(2, period);
    std::vector<StoredRevision> out;
    while (st.step()) out.push_back({static_cast<std::uint32_t>(st.column_int(0)), st.column_text(1)});
    return out;
}

InsertOutcome SqliteReportStore::insert_report(const NewReport& r) {
    Transaction tx(db_);
    {
        Statement st(db_,
                     "INSERT INTO reports (practice, period, revision, digest, body, generated_at, received_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (practice, period, revision) DO NOTHING");
        st.text(1, r.practice).text(2, r.period).integer(3, r.revision).text(4, r.digest).blob(5, r.body);
        st.integer(6, r.generated_at).integer(7, r.received_at);
        st.step();
        if (sqlite3_changes(db_) == 0) return InsertOutcome::duplicate;  // the transaction rolls back
    }
    {
        Statement st(db_,
                     "INSERT INTO report_counts (practice, period, revision, reason, feed, writer_org_type, writer_ods, "
                     "value, redacted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        for (const auto& c : r.counts) {
            st.text(1, r.practice).text(2, r.period).integer(3, r.revision).text(4, c.reason).text(5, c.feed);
            st.text(6, c.writer_org_type).text(7, c.writer_ods).integer(8, c.value).integer(9, c.redacted ? 1 : 0);
            st.step();
            st.reset();
        }
    }
    {
        Statement st(db_,
                     "INSERT INTO report_totals (practice, period, revision, reason, value, redacted) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        for (const auto& t : r.totals) {
            st.text(1, r.practice).text(2, r.period).integer(3, r.revision).text(4, t.reason);
            st.integer(5, t.value).integer(6, t.redacted ? 1 : 0);
            st.step();
            st.reset();
        }
    }
    tx.commit();
    return InsertOutcome::stored;
}

std::vector<ReportRef> SqliteReportStore::latest_reports(std::string_view from, std::string_view to) {
    Statement st(db_, std::string(kLatest) + " ORDER BY period, practice");
    st.text(1, from).text(2, to);
    std::vector<ReportRef> out;
    while (st.step()) out.push_back({st.column_text(0), st.column_text(1), static_cast<std::uint32_t>(st.column_int(2))});
    return out;
}

std::vector<CountRow> SqliteReportStore::latest_counts(std::string_view from, std::string_view to) {
    Statement st(db_, std::string("SELECT c.practice, c.period, c.revision, c.reason, c.feed, c.writer_org_type, "
                                  "c.writer_ods, c.value, c.redacted FROM report_counts c JOIN (") +
                          kLatest +
                          ") l ON c.practice = l.practice AND c.period = l.period AND c.revision = l.revision "
                          "ORDER BY c.period, c.practice, c.reason, c.feed, c.writer_org_type, c.writer_ods");
    st.text(1, from).text(2, to);
    std::vector<CountRow> out;
    while (st.step())
        out.push_back({st.column_text(0), st.column_text(1), static_cast<std::uint32_t>(st.column_int(2)),
                       st.column_text(3), st.column_text(4), st.column_text(5), st.column_text(6),
                       static_cast<std::uint32_t>(st.column_int(7)), st.column_int(8) != 0});
    return out;
}

std::vector<TotalRow> SqliteReportStore::latest_totals(std::string_view from, std::string_view to) {
    Statement st(db_, std::string("SELECT t.practice, t.period, t.revision, t.reason, t.value, t.redacted "
                                  "FROM report_totals t JOIN (") +
                          kLatest +
                          ") l ON t.practice = l.practice AND t.period = l.period AND t.revision = l.revision "
                          "ORDER BY t.period, t.practice, t.reason");
    st.text(1, from).text(2, to);
    std::vector<TotalRow> out;
    while (st.step())
        out.push_back({st.column_text(0), st.column_text(1), static_cast<std::uint32_t>(st.column_int(2)),
                       st.column_text(3), static_cast<std::uint32_t>(st.column_int(4)), st.column_int(5) != 0});
    return out;
}

}  // namespace gpwatch::collector
