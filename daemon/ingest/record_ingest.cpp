#include "daemon/ingest/record_ingest.hpp"

#include <spdlog/spdlog.h>

#include "daemon/alerts/alert_composer.hpp"
#include "daemon/policy/policy.hpp"

namespace gpwatch {

std::int64_t review_deadline(const WorkingCalendar& calendar, std::int64_t from,
                             std::int64_t within_seconds) {
    auto t = calendar.add_working_time(SysSeconds{std::chrono::seconds{from}},
                                       std::chrono::seconds{within_seconds});
    if (t == SysSeconds::max()) return 0;
    return t.time_since_epoch().count();
}

RecordIngest::RecordIngest(Ledger& ledger, const Pseudonymiser& pseudonymiser)
    : ledger_(ledger), pseudonymiser_(pseudonymiser) {}

IngestResult RecordIngest::apply(const ActiveSettings& active, const std::vector<RecordEvent>& batch,
                                 std::int64_t now) {
    IngestResult result;
    ledger_.begin();
    try {
        for (const auto& ev : batch) apply_one(active, ev, now, result);
        if (result.durable_seq > 0) ledger_.set_cursor(Feed::clinical, result.durable_seq);
        ledger_.commit();
    } catch (...) {
        ledger_.rollback();
        throw;
    }
    return result;
}

void RecordIngest::apply_one(const ActiveSettings& active, const RecordEvent& ev, std::int64_t now,
                             IngestResult& result) {
    ++result.events;
    if (ev.feed == Feed::clinical && ev.seq > 0) {
        result.durable_seq = std::max(result.durable_seq, ev.seq);
        const auto& item = is_review_event(ev.kind) ? ev.item_id : ev.entry_id;
        if (!ledger_.record_feed_event(ev.feed, ev.seq, ev.kind, item)) {
            ++result.replays_skipped;  // at-least-once delivery: seen before, change nothing
            return;
        }
    }
    const auto& settings = active.settings;
    auto decision = policy::evaluate(settings, ev);
    using Action = policy::Decision::Action;
    switch (decision.action) {
        case Action::ignore:
            return;
        case Action::close_review: {
            auto reviewer = ev.reviewer.name.empty() ? ev.reviewer.user_id : ev.reviewer.name;
            auto id = ledger_.close_review(ev.feed, ev.item_kind, ev.item_id, decision.review_state,
                                           reviewer, ev.time.time_since_epoch().count());
            if (id) {
                result.closed.push_back(id);
                spdlog::info("write {} {} by {}", id, decision.review_state,
                             ev.reviewer.user_id.empty() ? "a practice user" : ev.reviewer.user_id);
            }
            return;
        }
        case Action::quarantine: {
            auto up = ledger_.quarantine(ev, now);
            ++result.writes_recorded;
            for (const auto& v : decision.verdicts) {
                ledger_.add_verdict(up.write_id, v, now);
                result.alerts_created += alert_on(active, up.write_id, v, now);
            }
            spdlog::error("write {}: unparseable message quarantined ({})", up.write_id, ev.parse_error);
            return;
        }
        case Action::track_write:
            break;
    }

    const auto within = decision.review_within.count();
    const auto deadline = review_deadline(active.calendar, ev.time.time_since_epoch().count(), within);
    auto up = ledger_.upsert_write(ev, within, deadline, now);
    ++result.writes_recorded;
    if (up.created || up.reopened) result.deadlines.emplace_back(up.write_id, deadline);

    for (const auto& v : decision.verdicts) {
        bool fresh = ledger_.add_verdict(up.write_id, v, now);
        if (fresh && reason_alerts(v.reason)) result.alerts_created += alert_on(active, up.write_id, v, now);
    }
    // The pseudonym is an HMAC per write: compute it (and the reasons) only when the line is logged.
    if (spdlog::should_log(spdlog::level::info)) {
        std::string reasons;
        for (const auto& v : decision.verdicts) {
            if (!reasons.empty()) reasons += ",";
            reasons += to_string(v.reason);
        }
        spdlog::info("write {} ({}) by {} into the record of patient {}: {}", up.write_id, to_string(ev.kind),
                     ev.author.ods, pseudonymiser_.pseudonym(ev.nhs_number), reasons);
    }
}

int RecordIngest::alert_on(const ActiveSettings& active, std::int64_t write_id, const Verdict& v,
                           std::int64_t now) {
    if (!reason_alerts(v.reason)) return 0;
    auto write = ledger_.get_write(write_id);
    if (!write) return 0;
    auto text = alerts::compose(active.settings, *write, v);
    auto id = ledger_.add_alert(write_id, v, text.subject, text.body, now);
    // The subject names the writer and what was written, never the patient: safe for the log.
    if (id) spdlog::warn("ALERT {} raised for write {}: {}", id, write_id, text.subject);
    return id ? 1 : 0;
}

int RecordIngest::raise_overdue(const ActiveSettings& active, const std::vector<std::int64_t>& write_ids,
                                std::int64_t now) {
    int created = 0;
    ledger_.begin();
    try {
        for (auto id : write_ids) {
            auto w = ledger_.get_write(id);
            if (!w || w->review_state != "unreviewed") continue;
            if (ledger_.has_verdict(id, Reason::unreviewed_overdue)) continue;
            auto v = policy::overdue_verdict(active.settings, w->author.ods, w->author.name,
                                             std::chrono::seconds{w->review_within_s});
            ledger_.add_verdict(id, v, now);
            created += alert_on(active, id, v, now);
        }
        ledger_.commit();
    } catch (...) {
        ledger_.rollback();
        throw;
    }
    return created;
}

std::vector<std::pair<std::int64_t, std::int64_t>> RecordIngest::recompute_deadlines(
    const ActiveSettings& active) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    ledger_.begin();
    try {
        for (const auto& w : ledger_.open_writes()) {
            // An allowed organisation's deadline may have changed in the settings: apply the new one.
            auto within = policy::review_within(active.settings, w.author.ods).count();
            auto deadline = review_deadline(active.calendar, w.review_from, within);
            if (deadline != w.deadline_at || within != w.review_within_s) ledger_.set_deadline(w.id, deadline, within);
            if (!ledger_.has_verdict(w.id, Reason::unreviewed_overdue)) out.emplace_back(w.id, deadline);
        }
        ledger_.commit();
    } catch (...) {
        ledger_.rollback();
        throw;
    }
    return out;
}

}  // namespace gpwatch
