#include "daemon/ledger/ledger_reader.hpp"

#include "daemon/ledger/rows.hpp"

namespace gpwatch {

LedgerReader::LedgerReader(Ledger& ledger) : db_(ledger.connection()) {}

namespace {

// An open write whose deadline had passed by ?3 (deadline_at 0 or NULL: none).
constexpr const char* kOverdue =
    "(w.review_state = 'unreviewed' AND coalesce(w.deadline_at, 0) > 0 AND w.deadline_at <= ?3)";

}  // namespace

std::vector<WriteRecord> LedgerReader::writes(const WriteQuery& q) {
    std::string sql = std::string("SELECT ") + ledger::kWriteColumns +
                      ", (SELECT group_concat(reason, ',') FROM (SELECT reason FROM verdicts v "
                      "WHERE v.write_id = w.id ORDER BY v.id)) FROM writes w "
                      "WHERE (?1 = 0 OR w.review_state = 'unreviewed') AND (?2 = '' OR w.feed = ?2) ORDER BY ";
    // Overdue first, the earliest deadline first; the rest (a NULL key) by id after them.
    if (q.overdue_first_at != 0)
        sql += std::string(kOverdue) + " DESC, CASE WHEN " + kOverdue + " THEN w.deadline_at END, ";
    sql += "w.id LIMIT ?4";
    auto s = db_.prepare(sql);
    s.bind(1, std::int64_t{q.unreviewed_only ? 1 : 0}).bind(2, q.feed ? to_string(*q.feed) : "");
    if (q.overdue_first_at != 0) s.bind(3, q.overdue_first_at);
    s.bind(4, std::int64_t{q.limit});
    std::vector<WriteRecord> out;
    while (s.step()) {
        auto w = ledger::read_write(s);
        const auto reasons = s.text(ledger::kWriteColumnCount);
        std::size_t pos = 0;
        while (!reasons.empty() && pos <= reasons.size()) {
            auto comma = reasons.find(',', pos);
            if (comma == std::string::npos) comma = reasons.size();
            w.reasons.push_back(reasons.substr(pos, comma - pos));
            pos = comma + 1;
        }
        out.push_back(std::move(w));
    }
    ledger::attach_codes(db_, out);
    return out;
}

std::vector<AlertRecord> LedgerReader::alerts(const AlertQuery& q) {
    auto s = db_.prepare(std::string("SELECT ") + ledger::kAlertColumns +
                         ", a.next_attempt_at, coalesce(a.delivered_at, 0), coalesce(a.last_error, '') "
                         "FROM alerts a LEFT JOIN writes w ON w.id = a.write_id "
                         "WHERE (?1 = '' OR a.kind = ?1) AND (?2 = '' OR a.state = ?2) "
                         "AND (?3 = 0 OR a.write_id = ?3) AND a.created_at >= ?4 ORDER BY a.id " +
                         (q.newest_first ? "DESC" : "ASC") + " LIMIT ?5");
    s.bind(1, q.kind)
        .bind(2, q.state)
        .bind(3, q.write_id)
        .bind(4, q.created_since)
        .bind(5, std::int64_t{q.limit});
    std::vector<AlertRecord> out;
    while (s.step()) {
        AlertRecord r;
        r.alert = ledger::read_alert(s);
        r.feed = r.alert.feed;
        r.upstream_id = r.alert.upstream_id;
        r.next_attempt_at = s.int64(ledger::kAlertColumnCount);
        r.delivered_at = s.int64(ledger::kAlertColumnCount + 1);
        r.last_error = s.text(ledger::kAlertColumnCount + 2);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<MeshMessageRow> LedgerReader::mesh_messages() {
    auto st = db_.prepare(
        "SELECT mesh_id, message_type, workflow_id, sender_mailbox, outcome, upstream_id, detail, "
        "linked_message_id, received_at, coalesce(acknowledged_at, 0) FROM mesh_messages "
        "ORDER BY received_at, mesh_id");
    std::vector<MeshMessageRow> out;
    while (st.step()) {
        MeshMessageRow r;
        r.mesh_id = st.text(0);
        r.message_type = st.text(1);
        r.workflow_id = st.text(2);
        r.sender_mailbox = st.text(3);
        r.outcome = st.text(4);
        r.upstream_id = st.text(5);
        r.detail = st.text(6);
        r.linked_message_id = st.text(7);
        r.received_at = st.int64(8);
        r.acknowledged_at = st.int64(9);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace gpwatch
