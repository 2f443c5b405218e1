#pragma once
// A thin RAII layer over the SQLite C API: a connection and prepared statements.
// Errors throw LedgerError with SQLite's own message; the ledger decides what they mean.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace gpwatch::sqlite {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
    // SQLite's extended result code (SQLITE_FULL, SQLITE_IOERR_WRITE...), 0 when not from SQLite.
    int code() const { return code_; }
    // The file is not a database, or is damaged: no retry helps, only a backup.
    bool damaged() const;

private:
    int code_ = 0;
};

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binding is 1-based as in SQLite. Text is copied (SQLITE_TRANSIENT) so callers may pass temporaries.
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, std::string_view v);
    Statement& bind_null(int i);
    // Steps once: true while a row is available.
    bool step();
    // Steps to completion (for statements without rows) and resets.
    void run();
    void reset();

    std::int64_t int64(int col) const;
    std::string text(int col) const;
    bool is_null(int col) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
public:
    enum class Mode { read_write_create, read_only };
    Connection(const std::string& path, Mode mode);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    std::int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* handle() { return db_; }

private:
    sqlite3* db_ = nullptr;
};

// Begins an IMMEDIATE transaction; rolls back unless commit() was called.
class Transaction {
public:
    explicit Transaction(Connection& c);
    ~Transaction();
    void commit();

private:
    Connection& c_;
    bool done_ = false;
};

}  // namespace gpwatch::sqlite
