#include "daemon/ledger/schema.hpp"

#include <string>
#include <vector>

namespace gpwatch::ledger {

namespace {

// Migration N brings the schema from version N to N+1. Append; never edit a released one.
const std::vector<const char*>& migrations() {
    static const std::vector<const char*> m = {
        // 0 -> 1: the foundation.
        R"sql(
        -- One row per third-party write (an entry written into the record from outside).
        CREATE TABLE writes (
            id               INTEGER PRIMARY KEY,
            feed             TEXT    NOT NULL,
            upstream_id      TEXT    NOT NULL,       -- entry id (clinical feed)
            first_seq        INTEGER NOT NULL,
            last_event       TEXT    NOT NULL,       -- entry.created / entry.amended / ...
            event_count      INTEGER NOT NULL DEFAULT 1,
            practice         TEXT    NOT NULL,
            author_ods       TEXT    NOT NULL,
            author_name      TEXT    NOT NULL,
            author_org_type  TEXT    NOT NULL,
            author_user_role TEXT    NOT NULL,
            author_user_id   TEXT    NOT NULL,
            nhs_number       TEXT    NOT NULL,       -- stays inside the practice
            nhs_number_valid INTEGER NOT NULL,
            route            TEXT    NOT NULL,
            resource_type    TEXT    NOT NULL,
            codes            TEXT    NOT NULL,       -- system|code|display lines
            nopat            INTEGER NOT NULL,
            raw              BLOB,                   -- kept only for quarantined (unparseable) input
            parse_error      TEXT,
            written_at       INTEGER NOT NULL,       -- unix seconds, as the feed says
            received_at      INTEGER NOT NULL,
            review_from      INTEGER NOT NULL,       -- when the review clock started (write or amendment)
            review_within_s  INTEGER NOT NULL,       -- working seconds allowed for review
            deadline_at      INTEGER,                -- unix seconds; recomputed on start and reload
            review_state     TEXT    NOT NULL,       -- unreviewed | filed | rejected | quarantined
            reviewed_at      INTEGER,
            reviewed_by      TEXT,
            UNIQUE (feed, upstream_id)
        );
        CREATE INDEX writes_open ON writes (review_state) WHERE review_state = 'unreviewed';

        -- Every feed event seen, by (feed, seq): the idempotence key for at-least-once delivery.
        -- item_id is the entry (or reviewed item) the event names; join writes on upstream_id.
        CREATE TABLE feed_events (
            feed    TEXT    NOT NULL,
            seq     INTEGER NOT NULL,
            kind    TEXT    NOT NULL,
            item_id TEXT    NOT NULL,
            PRIMARY KEY (feed, seq)
        ) WITHOUT ROWID;

        CREATE TABLE verdicts (
            id         INTEGER PRIMARY KEY,
            write_id   INTEGER NOT NULL REFERENCES writes (id),
            reason     TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            detail     TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (write_id, reason)
        );

        -- The alert outbox: one row per (write, reason), delivered at least once, idempotently.
        CREATE TABLE alerts (
            id              INTEGER PRIMARY KEY,
            write_id        INTEGER NOT NULL REFERENCES writes (id),
            reason          TEXT    NOT NULL,
            severity        TEXT    NOT NULL,
            subject         TEXT    NOT NULL,
            body            TEXT    NOT NULL,
            created_at      INTEGER NOT NULL,
            state           TEXT    NOT NULL DEFAULT 'pending',   -- pending | delivered | failed
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            delivered_at    INTEGER,
            last_error      TEXT,
            UNIQUE (write_id, reason)
        );
        CREATE INDEX alerts_pending ON alerts (next_attempt_at) WHERE state = 'pending';

        -- Review events for items this ledger does not hold (own-practice entries, or entries
        -- written before gpwatch was installed); kept so a late-arriving write can be closed.
        CREATE TABLE reviews (
            feed        TEXT    NOT NULL,
            item_kind   TEXT    NOT NULL,
            item_id     TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            reviewed_at INTEGER NOT NULL,
            reviewed_by TEXT    NOT NULL,
            PRIMARY KEY (feed, item_id, item_kind)
        );

        CREATE TABLE feed_cursors (
            feed TEXT PRIMARY KEY,
            seq  INTEGER NOT NULL
        );
        )sql",
        // MESH: every message taken from the mailbox, by its MESH message id, whatever it turned
        // out to be. The idempotence key for MESH's at-least-once delivery: a message downloaded
        // again (gpwatchd stopped between commit and acknowledgement) is recognised and only
        // acknowledged.
        R"sql(
        CREATE TABLE mesh_messages (
            mesh_id            TEXT    PRIMARY KEY,
            message_type       TEXT    NOT NULL,   -- DATA | REPORT
            workflow_id        TEXT    NOT NULL,
            sender_mailbox     TEXT    NOT NULL,
            outcome            TEXT    NOT NULL,   -- update-record | not-update-record | unparseable | report
            upstream_id        TEXT    NOT NULL,   -- the Update Record message id, when there is one
            detail             TEXT    NOT NULL,   -- why it is not an Update Record / report status
            linked_message_id  TEXT    NOT NULL,   -- REPORT: the message it reports on
            received_at        INTEGER NOT NULL,
            acknowledged_at    INTEGER
        ) WITHOUT ROWID;
        )sql",
    };
    return m;
}

int user_version(sqlite::Connection& db) {
    auto st = db.prepare("PRAGMA user_version");
    st.step();
    return static_cast<int>(st.int64(0));
}

}  // namespace

int current_schema_version() { return static_cast<int>(migrations().size()); }

void migrate(sqlite::Connection& db) {
    int version = user_version(db);
    if (version > current_schema_version())
        throw sqlite::Error("the ledger has schema version " + std::to_string(version) +
                            ", newer than this gpwatchd knows (" +
                            std::to_string(current_schema_version()) +
                            "): run the newer gpwatchd or restore a backup");
    for (; version < current_schema_version(); ++version) {
        sqlite::Transaction tx(db);
        db.exec(migrations()[version]);
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        tx.commit();
    }
}

}  // namespace gpwatch::ledger
