#pragma once
#include "daemon/ledger/sqlite.hpp"

namespace gpwatch::ledger {

// The newest schema version this build knows.
int current_schema_version();

// Brings the database up to current_schema_version(), one migration per step, all in one
// transaction, recording progress in PRAGMA user_version. Refuses a database newer than this build.
void migrate(sqlite::Connection& db);
// The same up to `target` only: how a test makes a ledger as an older gpwatchd left it.
void migrate(sqlite::Connection& db, int target);

}  // namespace gpwatch::ledger
