#include "daemon/ledger/controller_ledger.hpp"

namespace gpwatch {

namespace {

// A display is shown on one line, like an entry's (Ledger::insert_codes).
std::string clean(std::string s) {
    for (auto& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

// A writes row that is not an entry (a processor drift): no patient, no deadline.
constexpr const char* kInsertNonEntry =
    "INSERT INTO writes (feed, upstream_id, first_seq, last_event, practice, author_ods, author_name, "
    "author_org_type, author_user_role, author_user_id, nhs_number, nhs_number_valid, route, "
    "resource_type, nopat, written_at, received_at, review_from, review_within_s, deadline_at, "
    "review_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9, '', 0, ?10, ?11, 0, ?12, ?13, "
    "?12, 0, NULL, ?14) ON CONFLICT (feed, upstream_id) DO NOTHING";

}  // namespace

struct ControllerLedger::Statements {
    explicit Statements(sqlite::Connection& db)
        : flags_of(db.prepare("SELECT flag FROM patient_flags WHERE nhs_number = ?1 ORDER BY flag")),
          set_flag(db.prepare(
              "INSERT INTO patient_flags (nhs_number, flag, set_at, source) VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (nhs_number, flag) DO NOTHING")),
          clear_flag(db.prepare("DELETE FROM patient_flags WHERE nhs_number = ?1 AND flag = ?2")),
          get_state(
              db.prepare("SELECT key, value, expected, changed_at, changed_by, coalesce(drift_write_id, 0) "
                         "FROM processor_state WHERE key = ?1")),
          put_state(db.prepare(
              "INSERT INTO processor_state (key, value, expected, changed_at, changed_by, drift_write_id) "
              "VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0)) ON CONFLICT (key) DO UPDATE SET "
              "value = excluded.value, expected = excluded.expected, changed_at = excluded.changed_at, "
              "changed_by = excluded.changed_by, drift_write_id = excluded.drift_write_id")),
          insert_non_entry(db.prepare(kInsertNonEntry)),
          insert_setting_code(db.prepare(
              "INSERT INTO write_codes (write_id, ordinal, system, code, display, resource) "
              "VALUES (?1, 0, 'urn:gpwatch:processor-setting', ?2, ?3, '')")),
          find_write(db.prepare("SELECT id FROM writes WHERE feed = ?1 AND upstream_id = ?2")),
          close_drift(db.prepare(
              "UPDATE writes SET review_state = 'drift-closed', reviewed_at = ?2, reviewed_by = ?3 "
              "WHERE id = ?1 AND review_state = 'drift-open'")),
          insert_link(db.prepare(
              "INSERT INTO update_record_links (write_id, document_id, replaces) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (write_id) DO NOTHING")),
          find_update_record(db.prepare(
              "SELECT id FROM writes WHERE feed = 'update_record' AND upstream_id = ?1 AND id != ?2 "
              "UNION ALL SELECT write_id FROM update_record_links WHERE document_id = ?1 AND write_id != ?2 "
              "LIMIT 1")),
          find_replacement(db.prepare(
              "SELECT write_id FROM update_record_links WHERE replaces != '' AND replaces IN (?1, ?2) "
              "AND write_id != ?3 ORDER BY write_id LIMIT 1")),
          set_replaced_by(db.prepare("UPDATE update_record_links SET replaced_by = ?2 WHERE write_id = ?1")),
          close_replaced(
              db.prepare("UPDATE writes SET review_state = 'replaced', reviewed_at = ?2, reviewed_by = ?3 "
                         "WHERE id = ?1 AND review_state = 'unreviewed'")),
          link_of(db.prepare(
              "SELECT write_id, document_id, replaces, coalesce(replaced_by, 0) FROM update_record_links "
              "WHERE write_id = ?1")),
          verdict_rule(db.prepare("SELECT rule FROM verdicts WHERE write_id = ?1 AND reason = ?2")) {}

    sqlite::Statement flags_of, set_flag, clear_flag, get_state, put_state, insert_non_entry, insert_setting_code,
        find_write,
        close_drift, insert_link, find_update_record, find_replacement, set_replaced_by, close_replaced,
        link_of, verdict_rule;
};

ControllerLedger::ControllerLedger(Ledger& ledger)
    : db_(ledger.connection()), st_(std::make_unique<Statements>(db_)) {}

ControllerLedger::~ControllerLedger() = default;

std::vector<std::string> ControllerLedger::patient_flags(const std::string& nhs_number) {
    std::vector<std::string> out;
    auto& s = st_->flags_of;
    s.bind(1, nhs_number);
    while (s.step()) out.push_back(s.text(0));
    s.reset();
    return out;
}

void ControllerLedger::set_patient_flag(const std::string& nhs_number, const std::string& flag, bool on,
                                        std::int64_t at, const std::string& source) {
    if (on) {
        st_->set_flag.bind(1, nhs_number).bind(2, flag).bind(3, at).bind(4, source);
        st_->set_flag.run();
    } else {
        st_->clear_flag.bind(1, nhs_number).bind(2, flag);
        st_->clear_flag.run();
    }
}

namespace {

ProcessorStateRow read_state(const sqlite::Statement& s) {
    return {s.text(0), s.text(1), s.text(2), s.int64(3), s.text(4), s.int64(5)};
}

}  // namespace

std::optional<ProcessorStateRow> ControllerLedger::processor_state(const std::string& key) {
    auto& s = st_->get_state;
    s.bind(1, key);
    std::optional<ProcessorStateRow> row;
    if (s.step()) row = read_state(s);
    s.reset();
    return row;
}

void ControllerLedger::put_processor_state(const ProcessorStateRow& r) {
    st_->put_state.bind(1, r.key)
        .bind(2, r.value)
        .bind(3, r.expected)
        .bind(4, r.changed_at)
        .bind(5, r.changed_by)
        .bind(6, r.drift_write_id);
    st_->put_state.run();
}

std::vector<ProcessorStateRow> ControllerLedger::list_processor_state() {
    auto s = db_.prepare(
        "SELECT key, value, expected, changed_at, changed_by, coalesce(drift_write_id, 0) "
        "FROM processor_state ORDER BY key");
    std::vector<ProcessorStateRow> out;
    while (s.step()) out.push_back(read_state(s));
    return out;
}

std::int64_t ControllerLedger::open_drift(const RecordEvent& ev, const std::string& upstream_id,
                                          const Author& who, const std::string& key, const std::string& what,
                                          std::int64_t now) {
    // Its one code is shown in the alert as "What: Clinical system setting: <what> (code <key>)".
    auto& ins = st_->insert_non_entry;
    ins.bind(1, to_string(ev.feed))
        .bind(2, upstream_id)
        .bind(3, static_cast<std::int64_t>(ev.seq))
        .bind(4, to_string(ev.kind))
        .bind(5, ev.practice)
        .bind(6, who.ods)
        .bind(7, who.name)
        .bind(8, who.user_role)
        .bind(9, who.user_id)
        .bind(10, "processor-setting")
        .bind(11, "Clinical system setting")
        .bind(12, ev.time.time_since_epoch().count())
        .bind(13, now)
        .bind(14, "drift-open");
    ins.run();
    if (db_.changes() > 0) {
        const auto id = db_.last_insert_rowid();
        st_->insert_setting_code.bind(1, id).bind(2, clean(key)).bind(3, clean(what));
        st_->insert_setting_code.run();
        return id;
    }
    auto& find = st_->find_write;
    find.bind(1, to_string(ev.feed)).bind(2, upstream_id);
    std::int64_t id = find.step() ? find.int64(0) : 0;
    find.reset();
    if (id == 0) throw sqlite::Error("drift " + upstream_id + " neither inserted nor found");
    return id;
}

void ControllerLedger::close_drift(std::int64_t write_id, std::int64_t at, const std::string& by) {
    st_->close_drift.bind(1, write_id).bind(2, at).bind(3, by);
    st_->close_drift.run();
}

void ControllerLedger::link_update_record(std::int64_t write_id, const std::string& document_id,
                                          const std::string& replaces) {
    st_->insert_link.bind(1, write_id).bind(2, document_id).bind(3, replaces);
    st_->insert_link.run();
}

std::int64_t ControllerLedger::find_update_record(const std::string& id, std::int64_t except) {
    if (id.empty()) return 0;
    auto& s = st_->find_update_record;
    s.bind(1, id).bind(2, except);
    std::int64_t found = s.step() ? s.int64(0) : 0;
    s.reset();
    return found;
}

std::int64_t ControllerLedger::find_replacement_of(const std::string& message_id,
                                                   const std::string& document_id, std::int64_t except) {
    auto& s = st_->find_replacement;
    s.bind(1, message_id).bind(2, document_id.empty() ? message_id : document_id).bind(3, except);
    std::int64_t found = s.step() ? s.int64(0) : 0;
    s.reset();
    return found;
}

bool ControllerLedger::mark_replaced(std::int64_t replaced, std::int64_t by, std::int64_t at,
                                     const std::string& reviewed_by) {
    st_->set_replaced_by.bind(1, replaced).bind(2, by);
    st_->set_replaced_by.run();
    st_->close_replaced.bind(1, replaced).bind(2, at).bind(3, reviewed_by);
    st_->close_replaced.run();
    return db_.changes() > 0;
}

std::optional<UpdateRecordLink> ControllerLedger::link_of(std::int64_t write_id) {
    auto& s = st_->link_of;
    s.bind(1, write_id);
    std::optional<UpdateRecordLink> out;
    if (s.step()) out = UpdateRecordLink{s.int64(0), s.text(1), s.text(2), s.int64(3)};
    s.reset();
    return out;
}

std::string ControllerLedger::verdict_rule(std::int64_t write_id, Reason reason) {
    auto& s = st_->verdict_rule;
    s.bind(1, write_id).bind(2, to_string(reason));
    std::string rule = s.step() ? s.text(0) : std::string();
    s.reset();
    return rule;
}

}  // namespace gpwatch
