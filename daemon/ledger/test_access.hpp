#pragma once
// For tests and benchmarks only: the ledger's SQL connection, to look at what no typed call shows
// (a column's storage class) or to set a ledger up in bulk. gpwatchd and gpwatchctl never include
// this; they go through Ledger and its companions.

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

struct LedgerTestAccess {
    static sqlite::Connection& connection(Ledger& ledger) { return ledger.connection(); }
};

}  // namespace gpwatch
