#include "daemon/ledger/ledger.hpp"

#include <filesystem>

#include "daemon/ledger/rows.hpp"
#include "daemon/ledger/schema.hpp"

namespace gpwatch {

using ledger::kWriteColumns;
using ledger::read_write;

namespace {

// A display is shown on one line (listings, alert bodies): tabs and newlines become spaces, as
// they always have in this ledger.
std::string clean(const std::string& s) {
    std::string out = s;
    for (auto& c : out)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return out;
}

std::int64_t unix_seconds(SysSeconds t) { return t.time_since_epoch().count(); }

}  // namespace

struct Ledger::Statements {
    explicit Statements(sqlite::Connection& db)
        : insert_feed_event(db.prepare(
              "INSERT OR IGNORE INTO feed_events (feed, seq, kind, item_id) VALUES (?1, ?2, ?3, ?4)")),
          find_write_state(db.prepare(
              "SELECT id, review_state, written_at, trusted_at IS NULL FROM writes WHERE feed = ?1 AND upstream_id = ?2")),
          insert_write(db.prepare(
              "INSERT INTO writes (feed, upstream_id, first_seq, last_event, practice, author_ods, "
              "author_name, author_org_type, author_user_role, author_user_id, nhs_number, "
              "nhs_number_valid, route, resource_type, nopat, raw, parse_error, written_at, "
              "received_at, review_from, review_within_s, deadline_at, review_state, trusted_at) VALUES "
              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
              "?18, ?19, ?20, ?21, ?22, ?23, ?24) ON CONFLICT (feed, upstream_id) DO NOTHING")),
          // The codes go in write_codes, in the same transaction (insert_codes).
          insert_code(db.prepare(
              "INSERT INTO write_codes (write_id, ordinal, system, code, display, resource) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")),
          delete_codes(db.prepare("DELETE FROM write_codes WHERE write_id = ?1")),
          codes_of(db.prepare(
              "SELECT system, code, display, resource FROM write_codes WHERE write_id = ?1 ORDER BY ordinal")),
          update_write_event(db.prepare(
              "UPDATE writes SET last_event = ?2, event_count = event_count + 1 WHERE id = ?1")),
          update_write_content(db.prepare(
              "UPDATE writes SET resource_type = ?2, nopat = ?3 WHERE id = ?1")),
          reopen_write(db.prepare(
              "UPDATE writes SET review_state = 'unreviewed', reviewed_at = NULL, "
              "reviewed_by = NULL, review_from = ?2, review_within_s = ?3, deadline_at = ?4 "
              "WHERE id = ?1")),
          find_review(db.prepare(
              "SELECT state, reviewed_at, reviewed_by FROM reviews "
              "WHERE feed = ?1 AND item_id = ?2 ORDER BY reviewed_at DESC LIMIT 1")),
          apply_review(db.prepare(
              "UPDATE writes SET review_state = ?2, reviewed_at = ?3, reviewed_by = ?4 "
              "WHERE id = ?1")),
          insert_review(db.prepare(
              "INSERT OR REPLACE INTO reviews (feed, item_kind, item_id, state, reviewed_at, "
              "reviewed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")),
          insert_verdict(db.prepare(
              "INSERT OR IGNORE INTO verdicts (write_id, reason, severity, detail, created_at, rule) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")),
          has_verdict(db.prepare(
              "SELECT 1 FROM verdicts WHERE write_id = ?1 AND reason = ?2")),
          insert_alert(db.prepare(
              "INSERT OR IGNORE INTO alerts (write_id, reason, severity, subject, body, "
              "created_at, next_attempt_at, rule) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)")),
          set_cursor(db.prepare(
              "INSERT INTO feed_cursors (feed, seq) VALUES (?1, ?2) "
              "ON CONFLICT (feed) DO UPDATE SET seq = max(seq, excluded.seq)")),
          get_cursor(db.prepare("SELECT seq FROM feed_cursors WHERE feed = ?1")),
          set_deadline(db.prepare(
              "UPDATE writes SET deadline_at = ?2, review_within_s = ?3 WHERE id = ?1")),
          get_write(db.prepare(std::string("SELECT ") + kWriteColumns +
                               " FROM writes w WHERE w.id = ?1")),
          find_write(db.prepare(std::string("SELECT ") + kWriteColumns +
                                " FROM writes w WHERE w.feed = ?1 AND w.upstream_id = ?2")),
          open_writes_after(db.prepare(std::string("SELECT ") + kWriteColumns +
                                       " FROM writes w WHERE w.review_state = 'unreviewed' AND w.id > ?1 "
                                       "ORDER BY w.id LIMIT ?2")) {}

    sqlite::Statement insert_feed_event, find_write_state, insert_write, insert_code, delete_codes, codes_of,
        update_write_event, update_write_content, reopen_write, find_review, apply_review,
        insert_review, insert_verdict, has_verdict, insert_alert, set_cursor,
        get_cursor, set_deadline, get_write, find_write, open_writes_after;
};

Ledger::Ledger(const std::string& path, Access access) {
    if (access == Access::read_only && !std::filesystem::exists(path))
        throw sqlite::Error("no ledger at " + path + " (has gpwatchd run with this state directory?)");
    db_ = std::make_unique<sqlite::Connection>(
        path, access == Access::read_only ? sqlite::Connection::Mode::read_only
                                          : sqlite::Connection::Mode::read_write_create);
    if (access == Access::read_write) {
        db_->exec("PRAGMA journal_mode = WAL");
        // FULL: a commit survives power loss, which is what lets us acknowledge upstream after it.
        db_->exec("PRAGMA synchronous = FULL");
        db_->exec("PRAGMA foreign_keys = ON");
        // Checkpoint the WAL every ~16 MB rather than SQLite's ~4 MB: fewer checkpoints (each
        // copies pages and fsyncs the database) on the ingest path, at the cost of a larger WAL.
        db_->exec("PRAGMA wal_autocheckpoint = 4000");
        ledger::migrate(*db_);
    } else {
        auto v = db_->prepare("PRAGMA user_version");
        v.step();
        const auto version = v.int64(0);
        const auto reads = std::to_string(ledger::current_schema_version());
        if (version == 0)
            throw sqlite::Error("the ledger at " + path +
                                " is not set up yet (gpwatchd sets it up as it starts for the first time: try again "
                                "in a moment)");
        if (version < ledger::current_schema_version())
            throw sqlite::Error("the ledger at " + path + " has schema version " + std::to_string(version) +
                                ", older than this gpwatchctl reads (" + reads +
                                "): gpwatchd upgrades it as it starts; start the gpwatchd of this version, or "
                                "wait for it to be running");
        if (version > ledger::current_schema_version())
            throw sqlite::Error("the ledger at " + path + " has schema version " + std::to_string(version) +
                                ", newer than this gpwatchctl reads (" + reads + "): use the gpwatchctl of the "
                                "gpwatchd that wrote it");
    }
    st_ = std::make_unique<Statements>(*db_);
}

bool Ledger::probe_write(std::int64_t now, std::string& why) {
    try {
        sqlite::Transaction tx(*db_);
        auto ins = db_->prepare("INSERT INTO ledger_probe (at) VALUES (?1)");
        ins.bind(1, now);
        ins.run();
        db_->exec("DELETE FROM ledger_probe");
        tx.commit();
        return true;
    } catch (const std::exception& e) {
        why = e.what();
        return false;
    }
}

Ledger::~Ledger() {
    if (in_transaction_) rollback();
}

void Ledger::begin() {
    db_->exec("BEGIN IMMEDIATE");
    in_transaction_ = true;
}

void Ledger::commit() {
    db_->exec("COMMIT");
    in_transaction_ = false;
}

void Ledger::rollback() {
    try { db_->exec("ROLLBACK"); } catch (...) {}
    in_transaction_ = false;
}

bool Ledger::record_feed_event(Feed feed, std::uint64_t seq, EventKind kind, const std::string& item_id) {
    st_->insert_feed_event.bind(1, to_string(feed)).bind(2, static_cast<std::int64_t>(seq))
        .bind(3, to_string(kind)).bind(4, item_id);
    st_->insert_feed_event.run();
    return db_->changes() > 0;
}


UpsertResult Ledger::upsert_write(const RecordEvent& ev, std::int64_t review_within_s,
                                  std::int64_t deadline_at, std::int64_t now,
                                  std::optional<std::int64_t> trusted_from, ReviewGuard* guard) {
    UpsertResult r;
    const std::int64_t review_from = trusted_from.value_or(unix_seconds(ev.time));
    // Most events create their write: insert first, and look the write up only on a conflict.
    auto& ins = st_->insert_write;
    ins.bind(1, to_string(ev.feed)).bind(2, ev.entry_id).bind(3, static_cast<std::int64_t>(ev.seq))
        .bind(4, to_string(ev.kind)).bind(5, ev.practice).bind(6, ev.author.ods)
        .bind(7, ev.author.name).bind(8, ev.author.org_type).bind(9, ev.author.user_role)
        .bind(10, ev.author.user_id).bind(11, ev.nhs_number)
        .bind(12, std::int64_t{ev.nhs_number_valid}).bind(13, ev.route)
        .bind(14, ev.resource_type)
        .bind(15, std::int64_t{ev.nopat}).bind_null(16).bind_null(17)
        .bind(18, unix_seconds(ev.time)).bind(19, now).bind(20, review_from)
        .bind(21, review_within_s).bind(22, deadline_at).bind(23, "unreviewed");
    if (trusted_from) ins.bind(24, *trusted_from);
    else ins.bind_null(24);
    ins.run();
    if (db_->changes() > 0) {
        r.write_id = db_->last_insert_rowid();
        r.created = true;
        insert_codes(r.write_id, ev.codes);
        apply_early_review(ev.feed, ev.entry_id, r.write_id, unix_seconds(ev.time), !trusted_from, guard);
        return r;
    }

    auto& find = st_->find_write_state;
    find.bind(1, to_string(ev.feed)).bind(2, ev.entry_id);
    std::string state;
    if (find.step()) {
        r.write_id = find.int64(0);
        state = find.text(1);
    }
    find.reset();
    if (r.write_id == 0) throw sqlite::Error("write " + ev.entry_id + " neither inserted nor found");

    st_->update_write_event.bind(1, r.write_id).bind(2, to_string(ev.kind));
    st_->update_write_event.run();
    if (ev.kind == EventKind::entry_amended) {
        st_->update_write_content.bind(1, r.write_id).bind(2, ev.resource_type).bind(3, std::int64_t{ev.nopat});
        st_->update_write_content.run();
        st_->delete_codes.bind(1, r.write_id);
        st_->delete_codes.run();
        insert_codes(r.write_id, ev.codes);
        if (state == "filed" || state == "rejected") {
            // An outside amendment to a reviewed entry is new, unreviewed content.
            st_->reopen_write.bind(1, r.write_id).bind(2, review_from)
                .bind(3, review_within_s).bind(4, deadline_at);
            st_->reopen_write.run();
            r.reopened = true;
        }
    }
    return r;
}

UpsertResult Ledger::quarantine(const RecordEvent& ev, std::int64_t now) {
    UpsertResult r;
    auto& find = st_->find_write_state;
    find.bind(1, to_string(ev.feed)).bind(2, ev.entry_id);
    if (find.step()) r.write_id = find.int64(0);
    find.reset();
    if (r.write_id) return r;  // quarantined before (a replay)
    auto& ins = st_->insert_write;
    ins.bind(1, to_string(ev.feed)).bind(2, ev.entry_id).bind(3, static_cast<std::int64_t>(ev.seq))
        .bind(4, to_string(ev.kind)).bind(5, ev.practice).bind(6, "").bind(7, "").bind(8, "")
        .bind(9, "").bind(10, "").bind(11, "").bind(12, std::int64_t{0}).bind(13, "").bind(14, "")
        .bind(15, std::int64_t{0}).bind(16, ev.raw).bind(17, ev.parse_error)
        .bind(18, unix_seconds(ev.time)).bind(19, now).bind(20, unix_seconds(ev.time))
        .bind(21, std::int64_t{0}).bind_null(22).bind(23, "quarantined").bind_null(24);
    ins.run();
    r.write_id = db_->last_insert_rowid();
    r.created = true;
    return r;
}

bool Ledger::add_verdict(std::int64_t write_id, const Verdict& v, std::int64_t now) {
    st_->insert_verdict.bind(1, write_id).bind(2, to_string(v.reason)).bind(3, to_string(v.severity))
        .bind(4, v.detail).bind(5, now).bind(6, v.rule);
    st_->insert_verdict.run();
    return db_->changes() > 0;
}

std::int64_t Ledger::add_alert(std::int64_t write_id, const Verdict& v, const std::string& subject,
                               const std::string& body, std::int64_t now) {
    st_->insert_alert.bind(1, write_id).bind(2, to_string(v.reason)).bind(3, to_string(v.severity))
        .bind(4, subject).bind(5, body).bind(6, now).bind(7, v.rule);
    st_->insert_alert.run();
    return db_->changes() > 0 ? db_->last_insert_rowid() : 0;
}

std::int64_t Ledger::close_review(Feed feed, const std::string& item_kind,
                                  const std::string& item_id, const std::string& state,
                                  const std::string& reviewer, std::int64_t at,
                                  ReviewGuard* guard) {
    // Look the write up, then close it by id: an UPDATE ... RETURNING would build a temporary
    // b-tree for its result on every call, which made this the costliest statement of a batch.
    std::int64_t id = 0, written_at = 0;
    bool known = false, trusted = true;
    auto& find = st_->find_write_state;
    find.bind(1, to_string(feed)).bind(2, item_id);
    if (find.step()) {
        known = true;
        if (find.text(1) == "unreviewed") id = find.int64(0);
        written_at = find.int64(2);
        trusted = find.int64(3) != 0;
    }
    find.reset();
    if (id != 0 && guard && guard->precedes && guard->precedes(at, written_at, trusted)) {
        guard->refused = RefusedReview{id, at, reviewer, state, written_at};
        return 0;
    }
    if (id != 0) {
        st_->apply_review.bind(1, id).bind(2, state).bind(3, at).bind(4, reviewer);
        st_->apply_review.run();
    } else if (!known) {
        // Reviewed before its write arrived (or an item this ledger never holds): keep the review
        // so a late write is closed on arrival.
        st_->insert_review.bind(1, to_string(feed)).bind(2, item_kind).bind(3, item_id)
            .bind(4, state).bind(5, at).bind(6, reviewer);
        st_->insert_review.run();
    }
    return id;
}

void Ledger::apply_early_review(Feed feed, const std::string& item_id, std::int64_t write_id, std::int64_t written_at,
                                bool time_trusted, ReviewGuard* guard) {
    // One lookup on the reviews table's key. (Not a set held in memory: the table also keeps the
    // review of every item this ledger never holds, the practice's own among them, so over the
    // years it grows to millions of rows, and loading it would hold up the start.)
    auto& rev = st_->find_review;
    rev.bind(1, to_string(feed)).bind(2, item_id);
    if (rev.step()) {
        auto state = rev.text(0);
        auto at = rev.int64(1);
        auto by = rev.text(2);
        rev.reset();
        if (guard && guard->precedes && guard->precedes(at, written_at, time_trusted)) {
            guard->refused = RefusedReview{write_id, at, by, state, written_at};
            return;
        }
        st_->apply_review.bind(1, write_id).bind(2, state).bind(3, at).bind(4, by);
        st_->apply_review.run();
    } else {
        rev.reset();
    }
}

void Ledger::insert_codes(std::int64_t write_id, const std::vector<Coding>& codes) {
    auto& ins = st_->insert_code;
    std::int64_t ordinal = 0;
    for (const auto& c : codes) {
        ins.bind(1, write_id).bind(2, ordinal++).bind(3, clean(c.system)).bind(4, clean(c.code))
            .bind(5, clean(c.display)).bind(6, clean(c.resource));
        ins.run();
    }
}

void Ledger::read_codes(WriteRecord& w) {
    auto& s = st_->codes_of;
    s.bind(1, w.id);
    while (s.step()) w.codes.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
    s.reset();
}

void Ledger::set_cursor(Feed feed, std::uint64_t seq) {
    st_->set_cursor.bind(1, to_string(feed)).bind(2, static_cast<std::int64_t>(seq));
    st_->set_cursor.run();
}

void Ledger::set_deadline(std::int64_t write_id, std::int64_t deadline_at, std::int64_t review_within_s) {
    st_->set_deadline.bind(1, write_id).bind(2, deadline_at).bind(3, review_within_s);
    st_->set_deadline.run();
}

std::uint64_t Ledger::cursor(Feed feed) {
    auto& s = st_->get_cursor;
    s.bind(1, to_string(feed));
    std::uint64_t seq = s.step() ? static_cast<std::uint64_t>(s.int64(0)) : 0;
    s.reset();
    return seq;
}

std::optional<WriteRecord> Ledger::get_write(std::int64_t id) {
    auto& s = st_->get_write;
    s.bind(1, id);
    std::optional<WriteRecord> w;
    if (s.step()) w = read_write(s);
    s.reset();
    if (w) read_codes(*w);
    return w;
}

std::optional<WriteRecord> Ledger::find_write(Feed feed, const std::string& upstream_id) {
    auto& s = st_->find_write;
    s.bind(1, to_string(feed)).bind(2, upstream_id);
    std::optional<WriteRecord> w;
    if (s.step()) w = read_write(s);
    s.reset();
    if (w) read_codes(*w);
    return w;
}

bool Ledger::has_verdict(std::int64_t write_id, Reason reason) {
    auto& s = st_->has_verdict;
    s.bind(1, write_id).bind(2, to_string(reason));
    bool found = s.step();
    s.reset();
    return found;
}

std::vector<WriteRecord> Ledger::open_writes_after(std::int64_t after_id, int limit) {
    auto& s = st_->open_writes_after;
    s.bind(1, after_id).bind(2, std::int64_t{limit});
    std::vector<WriteRecord> out;
    while (s.step()) out.push_back(read_write(s));
    s.reset();
    ledger::attach_codes(*db_, out);
    return out;
}

std::vector<AlertRecord> Ledger::list_alerts() {
    auto s = db_->prepare(
        "SELECT a.id, a.write_id, a.reason, a.severity, a.subject, a.body, a.created_at, a.state, "
        "a.attempts, w.feed, w.upstream_id, a.next_attempt_at, coalesce(a.delivered_at, 0), "
        "coalesce(a.last_error, '') FROM alerts a JOIN writes w ON w.id = a.write_id ORDER BY a.id");
    std::vector<AlertRecord> out;
    while (s.step()) {
        AlertRecord r;
        r.alert.id = s.int64(0);
        r.alert.write_id = s.int64(1);
        r.alert.reason = reason_from_string(s.text(2)).value_or(Reason::unknown_writer);
        r.alert.severity = severity_from_string(s.text(3)).value_or(Severity::info);
        r.alert.subject = s.text(4);
        r.alert.body = s.text(5);
        r.alert.created_at = s.int64(6);
        auto state = s.text(7);
        r.alert.state = state == "delivered" ? DeliveryState::delivered
                        : state == "failed"  ? DeliveryState::failed
                                             : DeliveryState::pending;
        r.alert.attempts = static_cast<int>(s.int64(8));
        r.feed = s.text(9);
        r.upstream_id = s.text(10);
        r.next_attempt_at = s.int64(11);
        r.delivered_at = s.int64(12);
        r.last_error = s.text(13);
        out.push_back(std::move(r));
    }
    return out;
}

std::int64_t Ledger::highest_alert_id() {
    auto q = db_->prepare("SELECT coalesce(max(id), 0) FROM alerts");
    return q.step() ? q.int64(0) : 0;
}

std::int64_t Ledger::highest_alert_id_of_file(const std::string& path) {
    if (path.empty()) return 0;
    try {
        sqlite::Connection old(path, sqlite::Connection::Mode::read_only);
        auto q = old.prepare("SELECT coalesce(max(id), 0) FROM alerts");
        return q.step() ? q.int64(0) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

const std::string& Ledger::identity() {
    if (identity_.empty()) {
        auto q = db_->prepare("SELECT id FROM ledger_identity LIMIT 1");
        if (!q.step()) throw sqlite::Error("the ledger has no identity (its ledger_identity table is empty)");
        identity_ = q.text(0);
    }
    return identity_;
}

void Ledger::renew_identity() {
    db_->exec("UPDATE ledger_identity SET id = lower(hex(randomblob(8)))");
    identity_.clear();
}

std::int64_t Ledger::mesh_message_count() {
    auto q = db_->prepare("SELECT count(*) FROM mesh_messages");
    return q.step() ? q.int64(0) : 0;
}

std::string Ledger::quick_check() {
    auto q = db_->prepare("PRAGMA quick_check(5)");
    std::string problems;
    while (q.step()) {
        const auto line = q.text(0);
        if (line == "ok") continue;
        problems += (problems.empty() ? "" : "; ") + line;
    }
    return problems;
}

LedgerStatus Ledger::status() {
    LedgerStatus st;
    auto cursors = db_->prepare("SELECT feed, seq FROM feed_cursors ORDER BY feed");
    while (cursors.step()) st.cursors.emplace_back(cursors.text(0), static_cast<std::uint64_t>(cursors.int64(1)));
    auto writes = db_->prepare(
        "SELECT count(*), coalesce(sum(review_state = 'unreviewed'), 0), "
        "coalesce(sum(review_state = 'quarantined'), 0), "
        "(SELECT count(*) FROM writes w JOIN verdicts v ON v.write_id = w.id "
        " WHERE w.review_state = 'unreviewed' AND v.reason = 'unreviewed_overdue') FROM writes");
    if (writes.step()) {
        st.writes = writes.int64(0);
        st.unreviewed = writes.int64(1);
        st.quarantined = writes.int64(2);
        st.overdue = writes.int64(3);
    }
    auto alerts = db_->prepare(
        "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'delivered'), 0), "
        "coalesce(sum(state = 'failed'), 0) FROM alerts");
    if (alerts.step()) {
        st.alerts_pending = alerts.int64(0);
        st.alerts_delivered = alerts.int64(1);
        st.alerts_failed = alerts.int64(2);
    }
    return st;
}

}  // namespace gpwatch
