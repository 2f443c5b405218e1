#pragma once
// How the ledger's rooms read a writes row and an alerts row: one column list and one reader each,
// shared by Ledger, DeliveryLedger and LedgerReader so a column added is read the same everywhere.
// Internal to daemon/ledger.

#include <vector>

#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/sqlite.hpp"

namespace gpwatch::ledger {

// Columns of a write (writes w), in the order read_write reads them; its codes are in write_codes.
extern const char* const kWriteColumns;
constexpr int kWriteColumnCount = 27;
WriteRecord read_write(const sqlite::Statement& s);
// Fills the codes of `writes` (any order, ids unique) from write_codes, in their recorded order:
// one query over the id range the writes span.
void attach_codes(sqlite::Connection& db, std::vector<WriteRecord>& writes);

// Columns of an alert as sinks need it (alerts a LEFT JOIN writes w), read by read_alert.
extern const char* const kAlertColumns;
constexpr int kAlertColumnCount = 18;
Alert read_alert(const sqlite::Statement& s, int first_column = 0);

}  // namespace gpwatch::ledger
