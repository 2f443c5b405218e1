#include "daemon/ledger/rows.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace gpwatch::ledger {

namespace {

DeliveryState state_from(const std::string& s) {
    if (s == "delivered") return DeliveryState::delivered;
    if (s == "failed") return DeliveryState::failed;
    if (s == "silenced") return DeliveryState::silenced;
    return DeliveryState::pending;
}

std::vector<std::int64_t> parse_ids(const std::string& text) {
    std::vector<std::int64_t> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find(',', pos);
        if (end == std::string::npos) end = text.size();
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, v);
        if (ec == std::errc{} && p == text.data() + end) out.push_back(v);
        pos = end + 1;
    }
    return out;
}

}  // namespace

const char* const kWriteColumns =
    "w.id, w.feed, w.upstream_id, w.first_seq, w.last_event, w.event_count, w.practice, "
    "w.author_ods, w.author_name, w.author_org_type, w.author_user_role, w.author_user_id, "
    "w.nhs_number, w.nhs_number_valid, w.route, w.resource_type, w.nopat, "
    "coalesce(w.parse_error, ''), w.written_at, w.received_at, w.review_from, w.review_within_s, "
    "coalesce(w.deadline_at, 0), w.review_state, coalesce(w.reviewed_at, 0), "
    "coalesce(w.reviewed_by, ''), coalesce(w.trusted_at, 0)";

WriteRecord read_write(const sqlite::Statement& s) {
    WriteRecord w;
    w.id = s.int64(0);
    w.feed = feed_from_string(s.text(1)).value_or(Feed::clinical);
    w.upstream_id = s.text(2);
    w.first_seq = static_cast<std::uint64_t>(s.int64(3));
    w.last_event = s.text(4);
    w.event_count = static_cast<int>(s.int64(5));
    w.practice = s.text(6);
    w.author = Author{s.text(7), s.text(8), s.text(9), s.text(10), s.text(11)};
    w.nhs_number = s.text(12);
    w.nhs_number_valid = s.int64(13) != 0;
    w.route = s.text(14);
    w.resource_type = s.text(15);
    w.nopat = s.int64(16) != 0;
    w.parse_error = s.text(17);
    w.written_at = s.int64(18);
    w.received_at = s.int64(19);
    w.review_from = s.int64(20);
    w.review_within_s = s.int64(21);
    w.deadline_at = s.int64(22);
    w.review_state = s.text(23);
    w.reviewed_at = s.int64(24);
    w.reviewed_by = s.text(25);
    w.trusted_at = s.int64(26);
    return w;
}

void attach_codes(sqlite::Connection& db, std::vector<WriteRecord>& writes) {
    if (writes.empty()) return;
    std::unordered_map<std::int64_t, WriteRecord*> by_id;
    std::int64_t low = writes.front().id, high = writes.front().id;
    for (auto& w : writes) {
        by_id.emplace(w.id, &w);
        low = std::min(low, w.id);
        high = std::max(high, w.id);
    }
    // The primary key (write_id, ordinal) gives the rows in order, with no sort.
    auto s = db.prepare(
        "SELECT write_id, system, code, display, resource FROM write_codes "
        "WHERE write_id BETWEEN ?1 AND ?2 ORDER BY write_id, ordinal");
    s.bind(1, low).bind(2, high);
    while (s.step()) {
        auto it = by_id.find(s.int64(0));
        if (it != by_id.end()) it->second->codes.push_back({s.text(1), s.text(2), s.text(3), s.text(4)});
    }
}

const char* const kAlertColumns =
    "a.id, coalesce(a.write_id, 0), a.reason, a.severity, a.subject, a.body, a.created_at, a.state, "
    "a.attempts, a.kind, a.rule, a.in_reply_to, a.covers, coalesce(w.feed, ''), "
    "coalesce(w.upstream_id, ''), coalesce(w.author_ods, ''), coalesce(w.author_name, ''), "
    "coalesce(w.nhs_number, '')";

Alert read_alert(const sqlite::Statement& s, int c) {
    Alert a;
    a.id = s.int64(c + 0);
    a.write_id = s.int64(c + 1);
    const auto reason = s.text(c + 2);
    // An internal alert's reason column holds its condition, which is no write reason.
    if (const auto r = reason_from_string(reason))
        a.reason = *r;
    else
        a.condition = reason;
    a.severity = severity_from_string(s.text(c + 3)).value_or(Severity::info);
    a.subject = s.text(c + 4);
    a.body = s.text(c + 5);
    a.created_at = s.int64(c + 6);
    a.state = state_from(s.text(c + 7));
    a.attempts = static_cast<int>(s.int64(c + 8));
    a.kind = s.text(c + 9);
    a.rule = s.text(c + 10);
    // Internal alerts carry their condition in `rule` (Reason has no word for them).
    if (a.kind == "internal" && a.rule.empty()) a.rule = reason;
    a.in_reply_to_alert = s.text(c + 11);
    a.covers = parse_ids(s.text(c + 12));
    a.feed = s.text(c + 13);
    a.upstream_id = s.text(c + 14);
    a.author_ods = s.text(c + 15);
    a.author_name = s.text(c + 16);
    a.nhs_number = s.text(c + 17);
    return a;
}

}  // namespace gpwatch::ledger
