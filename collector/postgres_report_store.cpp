#include "collector/postgres_report_store.hpp"

#include <charconv>
#include <memory>

#include <libpq-fe.h>

#include "collector/report_schema.hpp"

namespace gpwatch::collector {

namespace {

// The latest revision of each (practice, period) in [$1, $2].
constexpr const char* kLatest =
    "SELECT practice, period, MAX(revision) AS revision FROM reports WHERE period >= $1 AND period <= $2 "
    "GROUP BY practice, period";

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// One parameter: text, or binary for the report body.
struct Param {
    std::string value;
    bool binary = false;
};

Param text(std::string_view v) { return {std::string(v), false}; }
Param number(std::int64_t v) { return {std::to_string(v), false}; }
Param boolean(bool v) { return {v ? "t" : "f", false}; }

Result run(PGconn* conn, const char* sql, const std::vector<Param>& params = {}) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params) {
        values.push_back(p.value.data());
        lengths.push_back(static_cast<int>(p.value.size()));
        formats.push_back(p.binary ? 1 : 0);
    }
    Result r(PQexecParams(conn, sql, static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                          formats.data(), 0));
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        std::string why = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        throw StoreError("postgresql: " + why);
    }
    return r;
}

std::string cell(const Result& r, int row, int col) {
    return std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col)));
}

std::int64_t cell_int(const Result& r, int row, int col) {
    const char* p = PQgetvalue(r.get(), row, col);
    std::int64_t v = 0;
    std::from_chars(p, p + PQgetlength(r.get(), row, col), v);
    return v;
}

bool cell_bool(const Result& r, int row, int col) { return PQgetvalue(r.get(), row, col)[0] == 't'; }

// Rolls back unless committed.
class Transaction {
public:
    explicit Transaction(PGconn* conn) : conn_(conn) { run(conn_, "BEGIN"); }
    ~Transaction() {
        if (!done_) PQclear(PQexec(conn_, "ROLLBACK"));
    }
    void commit() {
        run(conn_, "COMMIT");
        done_ = true;
    }

private:
    PGconn* conn_;
    bool done_ = false;
};

void ignore_notice(void*, const char*) {}

// The collector answers every request on one thread, and libpq blocks it: a database host that
// stops answering must cost a bounded wait (then 503, and the practice retries), not freeze the
// uploads, the page and the handling of SIGTERM. Connecting gives up after 10 s; over TCP, a
// peer gone silent is noticed by keepalives within about 25 s, and unacknowledged data after
// 30 s. These are defaults: the operator's connection string is expanded after them, so its own
// values win.
PGconn* connect(const std::string& conninfo) {
    const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
    const char* values[] = {"10", "1", "10", "5", "3", "30000", conninfo.c_str(), nullptr};
    return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

// A statement the server itself is slow with (a lock held elsewhere) ends after 15 s. Set for
// each new session: the first connection and each PQreset.
void limit_statements(PGconn* conn) { PQclear(PQexec(conn, "SET statement_timeout = '15s'")); }

}  // namespace

PostgresReportStore::PostgresReportStore(const std::string& conninfo) {
    conn_ = connect(conninfo);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        PQfinish(conn_);
        conn_ = nullptr;
        throw StoreError("cannot connect to PostgreSQL: " + why);
    }
    // "relation already exists, skipping" and the like are not worth a line on stderr.
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
    limit_statements(conn_);
    try {
        Transaction tx(conn_);
        // Two collectors starting together must not race on CREATE TABLE IF NOT EXISTS.
        run(conn_, "SELECT pg_advisory_xact_lock(7140447)");
        PQclear(PQexec(conn_, "SET LOCAL client_min_messages = warning"));
        Result r(PQexec(conn_, report_schema_sql(SqlDialect::postgresql).c_str()));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
            throw StoreError(std::string("postgresql: creating the tables: ") + PQresultErrorMessage(r.get()));
        tx.commit();
    } catch (...) {
        PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
}

PostgresReportStore::~PostgresReportStore() { PQfinish(conn_); }

void PostgresReportStore::ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK)
        throw StoreError(std::string("postgresql: connection lost: ") + PQerrorMessage(conn_));
    limit_statements(conn_);
}

std::optional<PracticeRecord> PostgresReportStore::practice(std::string_view ods) {
    ensure_connected();
    auto r = run(conn_, "SELECT ods, public_key_pem, key_id, registered_at FROM practices WHERE ods = $1", {text(ods)});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return PracticeRecord{cell(r, 0, 0), cell(r, 0, 1), cell(r, 0, 2), cell_int(r, 0, 3)};
}

std::vector<PracticeRecord> PostgresReportStore::practices() {
    ensure_connected();
    auto r = run(conn_, "SELECT ods, public_key_pem, key_id, registered_at FROM practices ORDER BY ods");
    std::vector<PracticeRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        out.push_back({cell(r, i, 0), cell(r, i, 1), cell(r, i, 2), cell_int(r, i, 3)});
    return out;
}

RegisterOutcome PostgresReportStore::register_practice(const PracticeRecord& p, bool replace) {
    ensure_connected();
    Transaction tx(conn_);
    auto r = run(conn_, "SELECT key_id FROM practices WHERE ods = $1 FOR UPDATE", {text(p.ods)});
    RegisterOutcome outcome = RegisterOutcome::registered;
    if (PQntuples(r.get()) > 0) {
        if (cell(r, 0, 0) == p.key_id) return RegisterOutcome::unchanged;
        if (!replace) return RegisterOutcome::exists_with_other_key;
        run(conn_, "UPDATE practices SET public_key_pem = $1, key_id = $2, registered_at = $3 WHERE ods = $4",
            {text(p.public_key_pem), text(p.key_id), number(p.registered_at), text(p.ods)});
        outcome = RegisterOutcome::replaced;
    } else {
        run(conn_, "INSERT INTO practices (ods, public_key_pem, key_id, registered_at) VALUES ($1, $2, $3, $4)",
            {text(p.ods), text(p.public_key_pem), text(p.key_id), number(p.registered_at)});
    }
    tx.commit();
    return outcome;
}

std::vector<StoredRevision> PostgresReportStore::revisions(std::string_view practice, std::string_view period) {
    ensure_connected();
    auto r = run(conn_, "SELECT revision, digest FROM reports WHERE practice = $1 AND period = $2 ORDER BY revision",
                 {text(practice), text(period)});
    std::vector<StoredRevision> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        out.push_back({static_cast<std::uint32_t>(cell_int(r, i, 0)), cell(r, i, 1)});
    return out;
}

InsertOutcome PostgresReportStore::insert_report(const NewReport& rep) {
    ensure_connected();
    Transaction tx(conn_);
    // A concurrent insert of the same key waits for the other transaction, then does nothing.
    auto r = run(conn_,
                 "INSERT INTO reports (practice, period, revision, digest, body, generated_at, received_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (practice, period, revision) DO NOTHING",
                 {text(rep.practice), text(rep.period), number(rep.revision), text(rep.digest), Param{rep.body, true},
                  number(rep.generated_at), number(rep.received_at)});
    if (std::string_view(PQcmdTuples(r.get())) == "0") return InsertOutcome::duplicate;
    for (const auto& c : rep.counts)
        run(conn_,
            "INSERT INTO report_counts (practice, period, revision, reason, feed, writer_org_type, writer_ods, value, "
            "redacted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            {text(rep.practice), text(rep.period), number(rep.revision), text(c.reason), text(c.feed),
             text(c.writer_org_type), text(c.writer_ods), number(c.value), boolean(c.redacted)});
    for (const auto& t : rep.totals)
        run(conn_,
            "INSERT INTO report_totals (practice, period, revision, reason, value, redacted) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {text(rep.practice), text(rep.period), number(rep.revision), text(t.reason), number(t.value),
             boolean(t.redacted)});
    tx.commit();
    return InsertOutcome::stored;
}

std::vector<ReportRef> PostgresReportStore::latest_reports(std::string_view from, std::string_view to) {
    ensure_connected();
    auto r = run(conn_, (std::string(kLatest) + " ORDER BY period, practice").c_str(), {text(from), text(to)});
    std::vector<ReportRef> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        out.push_back({cell(r, i, 0), cell(r, i, 1), static_cast<std::uint32_t>(cell_int(r, i, 2))});
    return out;
}

std::vector<CountRow> PostgresReportStore::latest_counts(std::string_view from, std::string_view to) {
    ensure_connected();
    const std::string sql = std::string("SELECT c.practice, c.period, c.revision, c.reason, c.feed, c.writer_org_type, "
                                        "c.writer_ods, c.value, c.redacted FROM report_counts c JOIN (") +
                            kLatest +
                            ") l ON c.practice = l.practice AND c.period = l.period AND c.revision = l.revision "
                            "ORDER BY c.period, c.practice, c.reason, c.feed, c.writer_org_type, c.writer_ods";
    auto r = run(conn_, sql.c_str(), {text(from), text(to)});
    std::vector<CountRow> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        out.push_back({cell(r, i, 0), cell(r, i, 1), static_cast<std::uint32_t>(cell_int(r, i, 2)), cell(r, i, 3),
                       cell(r, i, 4), cell(r, i, 5), cell(r, i, 6), static_cast<std::uint32_t>(cell_int(r, i, 7)),
                       cell_bool(r, i, 8)});
    return out;
}

std::vector<TotalRow> PostgresReportStore::latest_totals(std::string_view from, std::string_view to) {
    ensure_connected();
    const std::string sql = std::string("SELECT t.practice, t.period, t.revision, t.reason, t.value, t.redacted "
                                        "FROM report_totals t JOIN (") +
                            kLatest +
                            ") l ON t.practice = l.practice AND t.period = l.period AND t.revision = l.revision "
                            "ORDER BY t.period, t.practice, t.reason";
    auto r = run(conn_, sql.c_str(), {text(from), text(to)});
    std::vector<TotalRow> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        out.push_back({cell(r, i, 0), cell(r, i, 1), static_cast<std::uint32_t>(cell_int(r, i, 2)), cell(r, i, 3),
                       static_cast<std::uint32_t>(cell_int(r, i, 4)), cell_bool(r, i, 5)});
    return out;
}

}  // namespace gpwatch::collector
