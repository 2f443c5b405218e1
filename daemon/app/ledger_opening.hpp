#pragma once
// Opening gpwatchd's ledger at start, and refusing to when doing so would quietly start afresh.
//
// A state directory that has a history (the pseudonym key, alerts in the duty or admin inbox, a
// status file) but whose ledger is missing, empty or not a database has lost its ledger: starting a
// fresh one would re-ingest the feed's retention and alert again on writes already alerted, and
// reuse alert ids the inboxes already hold. So it is a refusal (exit 2) naming the file and how
// to restore a backup; `--new-ledger` starts afresh deliberately, setting aside what is there.
// A damaged ledger is refused the same way, and so is one that SQLite's quick_check finds broken
// (a file cut short opens, then fails later).
//
// A ledger behind its high-water record (daemon/ledger/high_water.hpp), or of another identity, is
// refused too (exit 2), naming what is behind by how much; `--accept-rewound-ledger` carries on
// deliberately: alert ids continue above the highest handed out, and one internal alert says what
// may be lost.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/ledger/high_water.hpp"
#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

// gpwatchd must not start; the message says what to do. main() exits 2.
class StartRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LedgerOpening {
    std::unique_ptr<Ledger> ledger;
    bool fresh = false;          // a new ledger was made (first start, or --new-ledger)
    std::string set_aside;       // --new-ledger: where the old file was moved ("" if there was none)
    // Alert ids continue above it: when fresh, the highest the inboxes, the ledger set aside and
    // the high-water record hold; when a rewound ledger was accepted, the highest handed out.
    std::int64_t highest_alert_id_seen = 0;
    // --accept-rewound-ledger on a ledger behind its high-water record: what it lacks, in words
    // ("" when it lacks nothing).
    std::string rewound;
    HighWaterRecord high_water{""};  // ledger.highwater beside the ledger, to advance as peers rely on it
};

struct LedgerOpeningOptions {
    bool new_ledger = false;        // --new-ledger
    bool accept_rewound = false;    // --accept-rewound-ledger
};

// `state_dir`'s ledger.sqlite, opened read-write (migrated) and checked. `inboxes`: the Maildirs
// gpwatchd delivers to (their messages are history too). Throws StartRefused.
LedgerOpening open_ledger(const std::string& state_dir, const std::vector<std::string>& inboxes,
                          LedgerOpeningOptions options);

// ledger.highwater in `state_dir`.
std::string high_water_path(const std::string& state_dir);

// The highest alert id among the messages of these Maildirs (file names "...gpwatch-alert-<id>..."), 0 if none.
std::int64_t highest_alert_id_in(const std::vector<std::string>& maildirs);

}  // namespace gpwatch
