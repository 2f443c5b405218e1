#pragma once
// Ledger: the durable record of every third-party write, its verdicts, review state, alerts and
// feed cursors, in SQLite (WAL). The daemon is the only writer; gpwatchctl reads alongside it.
// Idempotent by construction: (feed, seq) and (feed, upstream id) are unique keys, so replaying
// an event or a batch changes nothing.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ledger/sqlite.hpp"
#include "proto/alert.hpp"
#include "proto/record_event.hpp"
#include "proto/verdict.hpp"

namespace gpwatch {

struct WriteRecord {
    std::int64_t id = 0;
    Feed feed = Feed::clinical;
    std::string upstream_id;
    std::uint64_t first_seq = 0;
    std::string last_event;
    int event_count = 0;
    std::string practice;
    Author author;
    std::string nhs_number;
    bool nhs_number_valid = false;
    std::string route;
    std::string resource_type;
    std::vector<Coding> codes;
    bool nopat = false;
    std::string parse_error;
    std::int64_t written_at = 0;   // as the feed says
    std::int64_t received_at = 0;
    std::int64_t trusted_at = 0;   // the feed's time could not be right: its arrival, which counts instead (0: written_at counts)
    std::int64_t review_from = 0;  // when the review clock started (the write, or its amendment)
    std::int64_t review_within_s = 0;
    std::int64_t deadline_at = 0;  // 0: none
    std::string review_state;      // unreviewed | filed | rejected | quarantined
    std::int64_t reviewed_at = 0;
    std::string reviewed_by;
    std::vector<std::string> reasons;  // verdict reasons, filled by LedgerReader::writes
};

struct AlertRecord {
    Alert alert;
    std::string feed;
    std::string upstream_id;
    std::int64_t next_attempt_at = 0;
    std::int64_t delivered_at = 0;
    std::string last_error;
};

// A summary of the ledger for `gpwatchctl status` and health checks.
struct LedgerStatus {
    std::vector<std::pair<std::string, std::uint64_t>> cursors;  // (feed, last durable seq)
    std::int64_t writes = 0;
    std::int64_t unreviewed = 0;
    std::int64_t overdue = 0;        // unreviewed and past their deadline's verdict
    std::int64_t quarantined = 0;
    std::int64_t alerts_pending = 0;
    std::int64_t alerts_delivered = 0;
    std::int64_t alerts_failed = 0;
};

// One message taken from the MESH mailbox, whatever it turned out to be (mesh_messages table).
struct MeshMessageRow {
    std::string mesh_id;
    std::string message_type;     // DATA | REPORT
    std::string workflow_id;
    std::string sender_mailbox;
    std::string outcome;          // update-record | not-update-record | unparseable | report
    std::string upstream_id;      // Update Record message id, when there is one
    std::string detail;
    std::string linked_message_id;
    std::int64_t received_at = 0;
    std::int64_t acknowledged_at = 0;  // 0: not yet
};

// A review that was not taken as one (stamped before the write it names).
struct RefusedReview {
    std::int64_t write_id = 0;
    std::int64_t reviewed_at = 0;
    std::string reviewer;
    std::string state;             // filed | rejected
    std::int64_t written_at = 0;   // the write's time, as its sender said
};

// Given to close_review and upsert_write by the caller that decides which reviews to refuse
// (policy's rule, daemon/policy/time_plausibility.hpp): `precedes(review_at, written_at,
// write_time_trusted)` true refuses the review, which then closes nothing and is set in `refused`.
struct ReviewGuard {
    std::function<bool(std::int64_t review_at, std::int64_t written_at, bool write_time_trusted)> precedes;
    std::optional<RefusedReview> refused;
};

struct UpsertResult {
    std::int64_t write_id = 0;
    bool created = false;   // first event of this write
    bool reopened = false;  // an amendment re-opened a write already reviewed
};

class Ledger {
public:
    enum class Access { read_write, read_only };
    // read_write creates the file and migrates the schema; read_only never changes the file.
    Ledger(const std::string& path, Access access);
    ~Ledger();
    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    // True when the ledger takes a write now (one small write and delete, committed); false with
    // `why` when it does not (a full disk, an I/O error, a damaged file).
    bool probe_write(std::int64_t now, std::string& why);

    // --- transactions: the daemon groups many events into one (group commit)
    void begin();
    void commit();
    void rollback();

    // --- ingest (inside a transaction)
    // Records that (feed, seq) was seen, naming the item it is about (entry id, reviewed item, or
    // empty); false when it already was (a replay: change nothing).
    bool record_feed_event(Feed feed, std::uint64_t seq, EventKind kind, const std::string& item_id);
    // `trusted_from`: when the review clock starts, given only when the event's own time cannot
    // be trusted (then also writes.trusted_at); by default the event's time. With `guard`, a
    // review that came first but precedes the write is not applied (guard->refused says so).
    UpsertResult upsert_write(const RecordEvent& ev, std::int64_t review_within_s,
                              std::int64_t deadline_at, std::int64_t now,
                              std::optional<std::int64_t> trusted_from = std::nullopt, ReviewGuard* guard = nullptr);
    // Stores an unparseable message whole; idempotent on (feed, upstream id).
    UpsertResult quarantine(const RecordEvent& ev, std::int64_t now);
    bool add_verdict(std::int64_t write_id, const Verdict& v, std::int64_t now);
    // Adds an alert to the outbox; returns its id, or 0 when (write, reason) already alerted.
    std::int64_t add_alert(std::int64_t write_id, const Verdict& v, const std::string& subject,
                           const std::string& body, std::int64_t now);
    // Closes the open write named by a review; returns its id, or 0 when none was open. With
    // `guard`, a review that precedes the write closes nothing: returns 0, guard->refused set.
    std::int64_t close_review(Feed feed, const std::string& item_kind, const std::string& item_id,
                              const std::string& state, const std::string& reviewer,
                              std::int64_t at, ReviewGuard* guard = nullptr);
    void set_cursor(Feed feed, std::uint64_t seq);
    // Records a MESH message by its MESH id; false when it already was (downloaded again after a
    // restart between commit and acknowledgement: change nothing, acknowledge it again).
    bool record_mesh_message(const MeshMessageRow& row);
    // Outside a batch: notes that MESH accepted the acknowledgement.
    void mark_mesh_acknowledged(const std::string& mesh_id, std::int64_t at);
    // A write's review deadline, and the working time it allows (both change with the settings).
    void set_deadline(std::int64_t write_id, std::int64_t deadline_at, std::int64_t review_within_s);

    // --- queries
    std::uint64_t cursor(Feed feed);
    std::optional<WriteRecord> get_write(std::int64_t id);
    std::optional<WriteRecord> find_write(Feed feed, const std::string& upstream_id);
    bool has_verdict(std::int64_t write_id, Reason reason);
    // Open (unreviewed) writes, with or without a deadline, a slice at a time: id > after_id,
    // lowest id first, at most `limit`.
    std::vector<WriteRecord> open_writes_after(std::int64_t after_id, int limit);
    // Alerts about writes, by id (gpwatchctl lists every kind through LedgerReader).
    std::vector<AlertRecord> list_alerts();
    LedgerStatus status();
    // The highest alert id this ledger has given, 0 if none.
    std::int64_t highest_alert_id();
    // The same of the ledger file at `path` without opening it as a Ledger (a ledger set aside,
    // of an older or newer schema: each has its alerts table); 0 if it cannot be read (empty,
    // damaged, missing).
    static std::int64_t highest_alert_id_of_file(const std::string& path);
    // The ledger's random identity (16 hex digits), made when it was made.
    const std::string& identity();
    // Gives the ledger a new random identity (committed at once): for a ledger found without its
    // high-water record, which may be a restored copy whose alert ids peers have already seen.
    void renew_identity();
    // How many MESH messages the ledger holds (each was, or is about to be, acknowledged).
    std::int64_t mesh_message_count();
    // SQLite's PRAGMA quick_check: "" when the file's structure is sound, else what is wrong (its
    // first lines). Reads the whole file once.
    std::string quick_check();

private:
    // The one door to the SQL: the ledger's companions in daemon/ledger keep their own statements
    // on this connection and inside its transactions; nothing outside daemon/ledger runs SQL.
    friend class DeliveryLedger;    // per-sink outbox, silences, internal alerts
    friend class ControllerLedger;  // patient flags, processor state, Update Record links
    friend class ReportLedger;      // LMC reports and the counts they are made of
    friend class LedgerReader;      // listings
    friend struct LedgerTestAccess; // tests and benchmarks only (daemon/ledger/test_access.hpp)
    sqlite::Connection& connection() { return *db_; }
    // Stores a write's codes (write_codes) in their order.
    void insert_codes(std::int64_t write_id, const std::vector<Coding>& codes);
    void read_codes(WriteRecord& w);

    // Closes a just-created write if its review arrived first, unless that review is stamped
    // before the write (then returned, not applied).
    void apply_early_review(Feed feed, const std::string& item_id, std::int64_t write_id, std::int64_t written_at,
                            bool time_trusted, ReviewGuard* guard);

    struct Statements;
    std::unique_ptr<sqlite::Connection> db_;
    std::unique_ptr<Statements> st_;
    bool in_transaction_ = false;
    std::string identity_;  // read once
};

}  // namespace gpwatch
