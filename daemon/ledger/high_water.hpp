#pragma once
// The ledger's high-water record: how far the ledger had got when gpwatchd last let a peer rely on
// it (acknowledged the clinical feed or MESH, handed an alert to a sink). It lives in a small file
// beside the ledger (ledger.highwater), written and fsynced before that happens. A ledger found
// behind it at start has lost something a peer no longer holds: its write-ahead log deleted after
// a crash, or an older copy restored over it. MESH deleted what was acknowledged, the feed may no
// longer retain it, and alert ids the inboxes already hold would be handed out again. A ledger of
// another identity (a copy of some other ledger put in its place) is the same kind of loss.
//
// The record is a file of its own, not a table, because what it guards against is the ledger file
// itself going back; only the numbers that only grow are kept, so "behind" is a comparison.

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

struct LedgerPosition {
    std::string ledger_id;           // Ledger::identity()
    std::uint64_t feed_seq = 0;      // the clinical feed's last durable (acknowledged) seq
    std::int64_t mesh_messages = 0;  // MESH messages recorded, each acknowledged after its commit
    std::int64_t alert_id = 0;       // the highest alert id handed out when the record was written
    // The record only: alert ids are reserved ahead in blocks (kAlertIdsReserved), so most alerts
    // go out without a write to disk; a ledger carried on with after going back continues above.
    std::int64_t alert_ids_reserved = 0;
    bool operator==(const LedgerPosition&) const = default;
};

inline constexpr std::int64_t kAlertIdsReserved = 64;

// Where `ledger` is now.
LedgerPosition position_of(Ledger& ledger);

// What `ledger` lacks compared to `record` (same identity), in words; "" when it lacks nothing.
std::string shortfall(const LedgerPosition& ledger, const LedgerPosition& record);

class HighWaterRecord {
public:
    explicit HighWaterRecord(std::string path) : path_(std::move(path)) {}
    const std::string& path() const { return path_; }

    // The record, or nullopt when there is none yet. Throws std::runtime_error naming the file
    // when it is there but cannot be read or makes no sense.
    std::optional<LedgerPosition> read() const;
    // Records `p` as it is (start-up, after a rewound ledger was accepted): a new file fsynced and
    // renamed over the old one, then the directory fsynced. Throws std::runtime_error naming it.
    void write(const LedgerPosition& p);
    // Records `p` when it is ahead of what was last recorded (nothing is written otherwise: most
    // commits move none of these numbers). Throws like write().
    void advance(const LedgerPosition& p);
    // Records that alert `id` is about to be handed out, when it is above the ids reserved (then
    // reserving kAlertIdsReserved more; the other numbers as last recorded). Throws like write();
    // std::logic_error before any write().
    void advance_alert_id(std::int64_t id);
    // Writes the last record again: whether the record can be written now (after a failure).
    void rewrite() {
        if (last_) write(*last_);
    }

private:
    std::string path_;
    std::optional<LedgerPosition> last_;
};

}  // namespace gpwatch
