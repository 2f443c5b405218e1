#include "daemon/ledger/schema.hpp"

#include <array>
#include <string>
#include <vector>

namespace gpwatch::ledger {

namespace {

// writes.codes as it was stored up to schema version 8: one line per code, "system\tcode\tdisplay\t
// resource\n" (tabs and newlines in a value were made spaces). Read as gpwatchd then read it.
std::vector<std::array<std::string, 4>> split_old_codes(const std::string& text) {
    std::vector<std::array<std::string, 4>> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        std::array<std::string, 4> fields;
        std::size_t f = 0, start = 0;
        for (std::size_t i = 0; i <= line.size() && f < 4; ++i) {
            if (i == line.size() || line[i] == '\t') {
                fields[f++] = line.substr(start, i - start);
                start = i + 1;
            }
        }
        out.push_back(std::move(fields));
    }
    return out;
}

// Version 8 -> 9, after its SQL made write_codes: every write's codes from the old column into
// rows, then the column goes.
void codes_into_rows(sqlite::Connection& db) {
    auto writes = db.prepare("SELECT id, codes FROM writes WHERE codes <> '' ORDER BY id");
    auto insert = db.prepare(
        "INSERT INTO write_codes (write_id, ordinal, system, code, display, resource) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    while (writes.step()) {
        const auto id = writes.int64(0);
        std::int64_t ordinal = 0;
        for (const auto& f : split_old_codes(writes.text(1))) {
            insert.bind(1, id).bind(2, ordinal++).bind(3, f[0]).bind(4, f[1]).bind(5, f[2]).bind(6, f[3]);
            insert.run();
        }
    }
    writes.reset();
    db.exec("ALTER TABLE writes DROP COLUMN codes");
}

// Migration N brings the schema from version N to N+1: its SQL, then its code if it has any.
// Append; never edit a released one.
struct Migration {
    const char* sql;
    void (*then)(sqlite::Connection&) = nullptr;
};

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> m = {
        // 0 -> 1: the foundation.
        {R"sql(
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
        )sql"},
        // MESH: every message taken from the mailbox, by its MESH message id, whatever it turned
        // out to be. The idempotence key for MESH's at-least-once delivery: a message downloaded
        // again (gpwatchd stopped between commit and acknowledgement) is recognised and only
        // acknowledged.
        {R"sql(
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
        )sql"},
        // Delivery (daemon/alerts): routing to several sinks, silences, digests and internal
        // alerts about gpwatchd itself. `alerts` is rebuilt because alerts that are not about
        // one write (internal, digest) need write_id NULL, and every alert must share one id
        // space: sinks name each message by its alert id (Message-ID, Maildir file name).
        // UNIQUE (write_id, reason) still makes each (write, reason) alert once (NULLs never clash).
        {R"sql(
        CREATE TABLE alerts_new (
            id              INTEGER PRIMARY KEY,
            write_id        INTEGER REFERENCES writes (id),   -- NULL: internal or digest
            reason          TEXT    NOT NULL,   -- a write reason; internal: the condition name
            severity        TEXT    NOT NULL,
            subject         TEXT    NOT NULL,
            body            TEXT    NOT NULL,
            created_at      INTEGER NOT NULL,
            state           TEXT    NOT NULL DEFAULT 'pending',  -- pending | delivered | failed | silenced
            attempts        INTEGER NOT NULL DEFAULT 0,          -- summed over its sinks
            next_attempt_at INTEGER NOT NULL,
            delivered_at    INTEGER,
            last_error      TEXT,
            kind            TEXT    NOT NULL DEFAULT 'write',    -- write | internal | digest
            rule            TEXT    NOT NULL DEFAULT '',
            in_reply_to     TEXT    NOT NULL DEFAULT '',         -- Message-ID it follows up
            covers          TEXT    NOT NULL DEFAULT '',         -- digest: "3,4,9"
            routed_at       INTEGER,                             -- NULL: not yet routed to sinks
            silence_id      INTEGER,                             -- the silence that held it
            UNIQUE (write_id, reason)
        );
        INSERT INTO alerts_new (id, write_id, reason, severity, subject, body, created_at, state,
                                attempts, next_attempt_at, delivered_at, last_error, routed_at)
            SELECT id, write_id, reason, severity, subject, body, created_at, state, attempts,
                   next_attempt_at, delivered_at, last_error,
                   CASE WHEN state = 'pending' THEN NULL ELSE created_at END
            FROM alerts;
        DROP TABLE alerts;
        ALTER TABLE alerts_new RENAME TO alerts;
        CREATE INDEX alerts_pending ON alerts (next_attempt_at) WHERE state = 'pending';
        CREATE INDEX alerts_unrouted ON alerts (id) WHERE routed_at IS NULL;

        -- One row per (alert, sink): the durable per-sink outbox.
        CREATE TABLE alert_deliveries (
            alert_id        INTEGER NOT NULL REFERENCES alerts (id),
            sink            TEXT    NOT NULL,
            mode            TEXT    NOT NULL,   -- immediate | digest
            state           TEXT    NOT NULL,   -- pending | delivered | failed | digested
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,   -- quiet hours and digest windows push it later
            first_failed_at INTEGER,            -- when this sink first refused it (backlog age)
            delivered_at    INTEGER,
            last_error      TEXT,
            digest_id       INTEGER,            -- digested: the digest alert that carries it
            PRIMARY KEY (alert_id, sink)
        ) WITHOUT ROWID;
        CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE state = 'pending';

        -- Silences: alerts matching org (author ODS) or reason until a time are recorded, marked
        -- silenced and counted, but not delivered.
        CREATE TABLE silences (
            id          INTEGER PRIMARY KEY,
            org         TEXT    NOT NULL DEFAULT '',
            reason      TEXT    NOT NULL DEFAULT '',
            until_at    INTEGER NOT NULL,
            comment     TEXT    NOT NULL,
            created_at  INTEGER NOT NULL,
            expired_at  INTEGER,                   -- set by `silence expire`
            matched     INTEGER NOT NULL DEFAULT 0
        );

        -- Internal conditions (feed down, disk nearly full...): one alert when a condition starts,
        -- none while it persists.
        CREATE TABLE internal_conditions (
            condition   TEXT    PRIMARY KEY,
            active      INTEGER NOT NULL,
            since       INTEGER NOT NULL,
            detail      TEXT    NOT NULL,
            alert_id    INTEGER,
            cleared_at  INTEGER
        ) WITHOUT ROWID;
        )sql"},
        // Controller settings in full: the rule a verdict came from, patient flags,
        // the processor's reported configuration and its drift, and Update Record replacements.
        // Escalation needs no table: its verdict (unreviewed_escalated) is its state.
        {R"sql(
        ALTER TABLE verdicts ADD COLUMN rule TEXT NOT NULL DEFAULT '';   -- content rule name, "escalation"

        -- What the practice must know about a patient before a write reaches them. A row exists
        -- while the flag is on; stays inside the practice like the writes' NHS numbers.
        CREATE TABLE patient_flags (
            nhs_number TEXT    NOT NULL,
            flag       TEXT    NOT NULL,   -- type1_opt_out | enhanced_review | online_access
            set_at     INTEGER NOT NULL,
            source     TEXT    NOT NULL,   -- the event that set it: patient.flags / entry.created ...
            PRIMARY KEY (nhs_number, flag)
        ) WITHOUT ROWID;

        -- The processor's configuration as the clinical system last reported it, per setting.
        -- drift_write_id names the open drift (a writes row, review_state drift-open), if any.
        CREATE TABLE processor_state (
            key            TEXT    PRIMARY KEY,   -- update-record | share-in:<ODS> | agreement:<name>
            value          TEXT    NOT NULL,
            expected       TEXT    NOT NULL,
            changed_at     INTEGER NOT NULL,
            changed_by     TEXT    NOT NULL,
            drift_write_id INTEGER REFERENCES writes (id)
        ) WITHOUT ROWID;

        -- Update Record messages: the document they carry and the earlier payload they replace.
        CREATE TABLE update_record_links (
            write_id    INTEGER PRIMARY KEY REFERENCES writes (id),
            document_id TEXT    NOT NULL,
            replaces    TEXT    NOT NULL,             -- message id or document id, or ''
            replaced_by INTEGER REFERENCES writes (id) -- the later message that replaced this one
        );
        CREATE INDEX update_record_links_document ON update_record_links (document_id);
        )sql"},
        // LMC reports: every revision of every week's report, the exact signed bytes
        // uploaded, and its own outbox state. A revision is never changed once sealed; late
        // events that change a closed week's counts make a new revision.
        {R"sql(
        CREATE TABLE lmc_reports (
            period          TEXT    NOT NULL,   -- "2026-W47"
            revision        INTEGER NOT NULL,   -- 1, 2, ...
            content_digest  TEXT    NOT NULL,   -- sha256 hex over the controlled counts (not revision/time)
            body            BLOB    NOT NULL,   -- the exact SignedIncidentReport bytes uploaded
            created_at      INTEGER NOT NULL,
            state           TEXT    NOT NULL DEFAULT 'pending',  -- pending | delivered | failed | unsent (no upload configured)
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            delivered_at    INTEGER,
            last_error      TEXT,
            PRIMARY KEY (period, revision)
        );
        CREATE INDEX lmc_reports_due ON lmc_reports (next_attempt_at) WHERE state = 'pending';
        -- Counting a week's incidents reads the writes of that week, every check_every.
        CREATE INDEX writes_written_at ON writes (written_at);
        )sql"},
        // One-off internal events (a MESH REPORT, an alert refused for good, a refused
        // LMC report) were recorded as conditions left on for ever; they are over once alerted.
        // ledger_probe: what gpwatchd writes to learn whether the ledger takes writes again after
        // a full disk (one row, written and deleted in one transaction).
        {R"sql(
        UPDATE internal_conditions SET active = 0, cleared_at = coalesce(cleared_at, since)
            WHERE active = 1 AND condition LIKE '%:%';
        CREATE TABLE ledger_probe (at INTEGER NOT NULL);
        )sql"},
        // The ledger's identity: random, made once when the ledger is made (or first upgraded to
        // this version). Alert Message-IDs, task dedupe keys and webhook alert keys carry it, so a
        // ledger that replaces this one (a copy of another, a fresh one) never names an alert the
        // way this one did; and the high-water record beside it (ledger.highwater) names the
        // ledger it is about.
        {R"sql(
        CREATE TABLE ledger_identity (
            id         TEXT    NOT NULL,
            created_at INTEGER NOT NULL
        );
        INSERT INTO ledger_identity (id, created_at) VALUES (lower(hex(randomblob(8))), unixepoch());
        )sql"},
        // A write whose time cannot be right (far ahead of its arrival, or before 1990) keeps what
        // the feed claimed in written_at; trusted_at is its arrival, which the review clock and the
        // LMC's weekly counts go by instead. NULL: written_at is trusted. The counts read the
        // writes of a week through this index (on the very expression they use).
        {R"sql(
        ALTER TABLE writes ADD COLUMN trusted_at INTEGER;
        CREATE INDEX writes_trusted_time ON writes (coalesce(trusted_at, written_at));
        )sql"},
        // A write's codes as rows (write_codes), in their order, instead of tab-separated lines in
        // writes.codes: a code is read and matched as a code, and its display keeps the framing
        // from mattering (codes_into_rows moves the old rows and drops the column).
        {R"sql(
        CREATE TABLE write_codes (
            write_id INTEGER NOT NULL REFERENCES writes (id),
            ordinal  INTEGER NOT NULL,   -- 0, 1, ... as the feed listed them
            system   TEXT    NOT NULL,
            code     TEXT    NOT NULL,
            display  TEXT    NOT NULL,
            resource TEXT    NOT NULL,   -- the resource the code came from (Update Record), or ''
            PRIMARY KEY (write_id, ordinal)
        ) WITHOUT ROWID;
        )sql", codes_into_rows},
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

void migrate(sqlite::Connection& db) { migrate(db, current_schema_version()); }

void migrate(sqlite::Connection& db, int target) {
    int version = user_version(db);
    if (version > current_schema_version())
        throw sqlite::Error("the ledger has schema version " + std::to_string(version) +
                            ", newer than this gpwatchd knows (" +
                            std::to_string(current_schema_version()) +
                            "): run the newer gpwatchd or restore a backup");
    if (version >= target) return;
    // Every step in one transaction: a reader (gpwatchctl while gpwatchd starts) sees the ledger
    // as it was or as it is now, never half way; an upgrade cut short leaves the old version whole.
    sqlite::Transaction tx(db);
    for (; version < target; ++version) {
        db.exec(migrations()[version].sql);
        if (migrations()[version].then) migrations()[version].then(db);
    }
    db.exec("PRAGMA user_version = " + std::to_string(target));
    tx.commit();
}

}  // namespace gpwatch::ledger
