#pragma once
// Opening gpwatchd's ledger at start, and refusing to when doing so would quietly start afresh.
//
// A state directory that has a history (the pseudonym key, alerts in the duty or admin inbox, a
// status file) but whose ledger is missing, empty or not a database has lost its ledger: starting a
// fresh one would re-ingest the feed's retention and alert again on writes already alerted, and
// reuse alert ids the inboxes already hold. So it is a refusal (exit 2) naming the file and how
// to restore a backup; `--new-ledger` starts afresh deliberately, setting aside what is there.
// A damaged ledger is refused the same way.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

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
    std::int64_t highest_alert_id_seen = 0;  // in the inboxes, when fresh: alert ids continue above it
};

// `state_dir`'s ledger.sqlite, opened read-write (migrated). `inboxes`: the Maildirs gpwatchd
// delivers to (their messages are history too). Throws StartRefused.
LedgerOpening open_ledger(const std::string& state_dir, const std::vector<std::string>& inboxes, bool new_ledger);

// The highest alert id among the messages of these Maildirs (file names "...gpwatch-alert-<id>..."), 0 if none.
std::int64_t highest_alert_id_in(const std::vector<std::string>& maildirs);

}  // namespace gpwatch
