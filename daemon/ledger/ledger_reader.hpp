#pragma once
// LedgerReader: the ledger as people look at it (gpwatchctl's listings, and the console that
// comes next): typed rows, chosen and ordered in SQL. It only reads, so it is safe on a read-only
// Ledger while gpwatchd writes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

struct WriteQuery {
    bool unreviewed_only = false;
    std::optional<Feed> feed;
    // 0: by id. Else open writes whose deadline had passed by then come first, the longest
    // overdue first, then every other write by id.
    std::int64_t overdue_first_at = 0;
    int limit = -1;  // -1: all
};

struct AlertQuery {
    std::string kind;                // write | internal | digest; empty: every kind
    std::string state;               // pending | delivered | failed | silenced; empty: any
    std::int64_t write_id = 0;       // 0: any
    std::int64_t created_since = 0;  // created_at >= this
    bool newest_first = false;       // else oldest (lowest id) first
    int limit = -1;                  // -1: all
};

class LedgerReader {
public:
    explicit LedgerReader(Ledger& ledger);

    // Writes with their codes and verdict reasons (in the order the verdicts were made).
    std::vector<WriteRecord> writes(const WriteQuery& q = {});
    // Alerts of every kind: about writes, about gpwatchd itself (internal) and digests.
    std::vector<AlertRecord> alerts(const AlertQuery& q = {});
    // Messages taken from the MESH mailbox, in the order they arrived.
    std::vector<MeshMessageRow> mesh_messages();

private:
    sqlite::Connection& db_;
};

}  // namespace gpwatch
