#include "daemon/ingest/record_ingest.hpp"

#include <spdlog/spdlog.h>

#include "daemon/alerts/alert_composer.hpp"
#include "daemon/alerts/local_time.hpp"
#include "daemon/alerts/verdict_words.hpp"
#include "daemon/policy/policy.hpp"
#include "daemon/policy/processor_drift.hpp"
#include "daemon/policy/time_plausibility.hpp"

namespace gpwatch {

std::int64_t review_deadline(const WorkingCalendar& calendar, std::int64_t from,
                             std::int64_t within_seconds) {
    auto t = calendar.add_working_time(SysSeconds{std::chrono::seconds{from}},
                                       std::chrono::seconds{within_seconds});
    if (t == SysSeconds::max()) return 0;
    return t.time_since_epoch().count();
}

MeshMessageRow mesh_message_row(const RecordEvent& ev, std::int64_t now) {
    static const MeshDelivery no_envelope;
    const MeshDelivery& mesh = ev.mesh ? *ev.mesh : no_envelope;
    MeshMessageRow row;
    row.mesh_id = mesh.message_id;
    row.message_type = mesh.report ? "REPORT" : "DATA";
    row.workflow_id = mesh.workflow_id;
    row.sender_mailbox = ev.update_record.sender_mailbox;
    row.received_at = now;
    if (mesh.report) {
        row.outcome = "report";
        row.linked_message_id = mesh.linked_message_id;
        row.detail = mesh.status_code + " " + mesh.status_description;
    } else if (ev.kind == EventKind::unparseable) {
        row.outcome = "unparseable";
        row.upstream_id = ev.entry_id;
        row.detail = ev.parse_error;
    } else if (ev.kind == EventKind::not_update_record) {
        row.outcome = "not-update-record";
        row.upstream_id = ev.entry_id;
        row.detail = ev.parse_error;
    } else {
        row.outcome = "update-record";
        row.upstream_id = ev.entry_id;
    }
    return row;
}

RecordIngest::RecordIngest(Ledger& ledger, const Pseudonymiser& pseudonymiser)
    : ledger_(ledger), controller_(ledger), pseudonymiser_(pseudonymiser) {}

IngestResult RecordIngest::apply(const ActiveSettings& active, const std::vector<RecordEvent>& batch,
                                 std::int64_t now) {
    IngestResult result;
    ledger_.begin();
    try {
        for (const auto& ev : batch) apply_one(active, ev, now, result);
        if (result.durable_seq > 0) ledger_.set_cursor(Feed::clinical, result.durable_seq);
        ledger_.commit();
    } catch (...) {
        raised_.clear();  // never committed: nothing was raised
        ledger_.rollback();
        throw;
    }
    log_raised();
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
    // MESH delivers at least once: a message downloaded again (its acknowledgement was lost, or
    // gpwatchd stopped between commit and acknowledge) is already here. Skip it, whatever it is.
    if (ev.feed == Feed::update_record && !mesh_message_id(ev).empty()) {
        if (!ledger_.record_mesh_message(mesh_message_row(ev, now))) {
            ++result.replays_skipped;
            return;
        }
        ++result.mesh_messages_recorded;
        // A REPORT is not a write: it is recorded above, and alerted by the daemon once committed.
        if (ev.mesh->report) return;
    }
    // ---- end of the MESH section --------------------------------------------------------------

    const auto& settings = active.settings;
    policy::Facts facts;
    // The patient's flags matter only to an outside write on a named patient: look them up then.
    if (is_entry_event(ev.kind) && !ev.nhs_number.empty() && policy::is_third_party(settings, ev))
        facts.patient = patient_flags_of(ev.nhs_number);
    auto decision = active.engine.evaluate(ev, facts);
    // Worded here, once: the ledger keeps the sentence the alert then says.
    alerts::word_verdicts(settings, decision.verdicts);
    using Action = policy::Decision::Action;
    switch (decision.action) {
        case Action::ignore:
            return;
        case Action::close_review: {
            auto reviewer = ev.reviewer.name.empty() ? ev.reviewer.user_id : ev.reviewer.name;
            // close_feed: a workflow event on the clinical feed names an Update Record by its message id.
            auto guard = review_guard();
            auto id =
                ledger_.close_review(decision.close_feed, ev.item_kind, ev.item_id, std::string(to_string(decision.review_state)),
                                     reviewer, ev.time.time_since_epoch().count(), &guard);
            if (guard.refused) refuse_review(active, *guard.refused, now, result);
            if (id) {
                result.closed.push_back(id);
                spdlog::info("write {} {} by {}", id, to_string(decision.review_state),
                             ev.reviewer.user_id.empty() ? "a practice user" : ev.reviewer.user_id);
            }
            return;
        }
        case Action::quarantine: {
            auto up = ledger_.quarantine(ev, now);
            ++result.writes_recorded;
            for (const auto& v : decision.verdicts) {
                ledger_.add_verdict(up.write_id, v, now);
                result.alerts_created += alert_on(active, up.write_id, v, now, {ev.update_record.sender_mailbox});
            }
            spdlog::error("write {}: unparseable message quarantined ({})", up.write_id, ev.parse_error);
            return;
        }
        case Action::patient_flags:
            apply_flag_changes(ev, decision.flag_changes, result);
            return;
        case Action::processor_change:
            processor_change(active, ev, decision, now, result);
            return;
        case Action::record_only:
            // The mesh_messages row (above) is its record; it is nobody's write and alerts no one.
            spdlog::info(
                "MESH message {} (workflow {}) is not an Update Record: {}; recorded, not read further",
                mesh_message_id(ev), ev.mesh ? ev.mesh->workflow_id : std::string(), ev.parse_error);
            return;
        case Action::track_write:
            track_write(active, ev, decision, now, result);
            return;
    }
}

void RecordIngest::track_write(const ActiveSettings& active, const RecordEvent& ev,
                               const policy::Decision& decision, std::int64_t now, IngestResult& result) {
    const auto within = decision.review_within.count();
    // A time that cannot be right starts the review clock at the write's arrival instead.
    const auto claimed = ev.time.time_since_epoch().count();
    const auto doubt = policy::doubt_about(claimed, now);
    const bool trusted = doubt == policy::TimeDoubt::none;
    const auto deadline = review_deadline(active.calendar, trusted ? claimed : now, within);
    auto guard = review_guard();
    auto up = ledger_.upsert_write(ev, within, deadline, now, trusted ? std::nullopt : std::optional<std::int64_t>(now),
                                   &guard);
    ++result.writes_recorded;
    bool open = up.created || up.reopened;
    if (guard.refused) refuse_review(active, *guard.refused, now, result);
    if (ev.feed == Feed::update_record && up.created) link_update_record(ev, up.write_id, open, result);
    if (open) result.deadlines.emplace_back(up.write_id, deadline);

    for (const auto& v : decision.verdicts) {
        bool fresh = ledger_.add_verdict(up.write_id, v, now);
        if (fresh && reason_alerts(v.reason)) result.alerts_created += alert_on(active, up.write_id, v, now);
    }
    if (!trusted) {
        // Once per write (a verdict per reason): its amendments may carry the same wrong time.
        Verdict v{Reason::implausible_time, Severity::high, ""};
        v.facts.claimed_at = claimed;
        v.facts.arrived_at = now;
        v.facts.before_1990 = doubt == policy::TimeDoubt::before_1990;
        v.detail = alerts::verdict_words(active.settings, v);
        const auto how = alerts::doubt_words(v);
        if (ledger_.add_verdict(up.write_id, v, now)) {
            result.alerts_created += alert_on(active, up.write_id, v, now);
            spdlog::warn("write {} by {}: the sender's time {} cannot be right ({}); its review clock starts at its arrival",
                         up.write_id, ev.author.ods, alerts::claimed_time_words(claimed), how);
        }
    }
    // Flag codes in the write count from now on: the verdicts above saw the flags before it.
    apply_flag_changes(ev, decision.flag_changes, result);

    // The pseudonym is an HMAC per write: compute it (and the reasons) only when the line is logged.
    if (spdlog::should_log(spdlog::level::info)) {
        std::string reasons;
        for (const auto& v : decision.verdicts) {
            if (!reasons.empty()) reasons += ",";
            reasons += to_string(v.reason);
            if (!v.rule.empty()) reasons += "(" + v.rule + ")";
        }
        spdlog::info("write {} ({}) by {} into the record of patient {}: {}", up.write_id, to_string(ev.kind),
                     ev.author.ods, pseudonymiser_.pseudonym(ev.nhs_number), reasons);
    }
}

ReviewGuard RecordIngest::review_guard() { return ReviewGuard{policy::review_precedes_write, std::nullopt}; }

void RecordIngest::refuse_review(const ActiveSettings& active, const RefusedReview& r, std::int64_t now,
                                 IngestResult& result) {
    Verdict v{Reason::review_refused, Severity::review, ""};
    v.facts.review_state = r.state;
    v.facts.claimed_at = r.reviewed_at;
    v.facts.written_at = r.written_at;
    v.facts.before_1990 = r.reviewed_at < policy::kEarliestPlausibleTime;
    v.detail = alerts::verdict_words(active.settings, v);
    spdlog::warn("write {}: a review ({} by {}) stamped {}, {}, is not taken as its review: the write stays open",
                 r.write_id, r.state, r.reviewer.empty() ? "a practice user" : r.reviewer,
                 alerts::claimed_time_words(r.reviewed_at), alerts::doubt_words(v));
    if (ledger_.add_verdict(r.write_id, v, now)) result.alerts_created += alert_on(active, r.write_id, v, now);
}

void RecordIngest::link_update_record(const RecordEvent& ev, std::int64_t write_id, bool& open,
                                      IngestResult& result) {
    controller_.link_update_record(write_id, ev.update_record.document_id, ev.update_record.replaces);
    const auto at = ev.time.time_since_epoch().count();
    // This message replaces an earlier one (by its message id or its document id): the earlier one
    // needs no review of its own any more.
    if (!ev.update_record.replaces.empty()) {
        if (auto old = controller_.find_update_record(ev.update_record.replaces, write_id)) {
            if (controller_.mark_replaced(old, write_id, at, "replaced by Update Record " + ev.entry_id)) {
                result.closed.push_back(old);
                spdlog::info("write {} replaced by write {} (Update Record {})", old, write_id, ev.entry_id);
            }
        }
    }
    // Its replacement arrived first (MESH does not promise order): this one is closed on arrival.
    if (auto newer = controller_.find_replacement_of(ev.entry_id, ev.update_record.document_id, write_id)) {
        if (controller_.mark_replaced(write_id, newer, at, "replaced by a later Update Record")) {
            open = false;
            spdlog::info("write {} arrived after write {}, which replaces it", write_id, newer);
        }
    }
}

void RecordIngest::processor_change(const ActiveSettings& active, const RecordEvent& ev,
                                    const policy::Decision& decision, std::int64_t now,
                                    IngestResult& result) {
    if (!decision.processor) return;
    const auto& check = *decision.processor;
    const auto at = ev.time.time_since_epoch().count();
    const auto prev = controller_.processor_state(check.key);
    ProcessorStateRow row;
    row.key = check.key;
    row.value = check.actual;
    row.expected = check.expected;
    row.changed_at = at;
    row.changed_by = alerts::changed_by(ev);
    row.drift_write_id = prev ? prev->drift_write_id : 0;  // an open drift stays open until in line
    if (!check.in_line) {
        if (row.drift_write_id == 0) {
            // A new drift: a writes row carries its verdict and alert. One row per episode, named
            // by the setting and the event that started it.
            // Shown as "From: <name> (<kind>), user <id>" in the alert.
            Author who{ev.changed_by_kind.empty() ? "unknown" : ev.changed_by_kind,
                       ev.changed_by_name.empty() ? row.changed_by : ev.changed_by_name, "", "",
                       ev.changed_by_user_id};
            const std::string episode =
                "processor-drift:" + check.key + ":" + (ev.seq ? std::to_string(ev.seq) : std::to_string(at));
            row.drift_write_id = controller_.open_drift(
                ev, episode, who, check.key,
                "now '" + check.actual + "', the practice requires '" + check.expected + "'", now);
            ++result.drifts_opened;
        }
        for (const auto& v : decision.verdicts) {
            bool fresh = ledger_.add_verdict(row.drift_write_id, v, now);
            if (fresh && reason_alerts(v.reason))
                result.alerts_created += alert_on(active, row.drift_write_id, v, now);
        }
        spdlog::warn("processor drift on {}: '{}' (expected '{}'), changed by {}", check.key, check.actual,
                     check.expected, row.changed_by);
    } else if (row.drift_write_id != 0) {
        controller_.close_drift(row.drift_write_id, at, "back in line, changed by " + row.changed_by);
        spdlog::info("processor drift on {} closed: '{}' again, changed by {}", check.key, check.actual,
                     row.changed_by);
        row.drift_write_id = 0;
        ++result.drifts_closed;
    }
    controller_.put_processor_state(row);
}

void RecordIngest::apply_flag_changes(const RecordEvent& ev, const std::vector<policy::FlagChange>& changes,
                                      IngestResult& result) {
    if (changes.empty() || ev.nhs_number.empty()) return;
    const auto at = ev.time.time_since_epoch().count();
    const std::string source = ev.kind == EventKind::patient_flags ? "patient.flags" : "write " + ev.entry_id;
    for (const auto& c : changes) {
        controller_.set_patient_flag(ev.nhs_number, policy::to_string(c.flag), c.on, at, source);
        ++result.flags_changed;
    }
    if (spdlog::should_log(spdlog::level::info)) {
        // Logs name the patient by pseudonym only (daemon/privacy), never by NHS number.
        const std::string patient_pseudonym = pseudonymiser_.pseudonym(ev.nhs_number);
        spdlog::info("patient {}: {} flag change(s) from {}", patient_pseudonym, changes.size(),
                     ev.kind == EventKind::patient_flags ? "patient.flags" : "a write's codes");
    }
}

policy::PatientFlags RecordIngest::patient_flags_of(const std::string& nhs_number) {
    policy::PatientFlags flags;
    for (const auto& name : controller_.patient_flags(nhs_number))
        for (auto f : {policy::PatientFlag::type1_opt_out, policy::PatientFlag::enhanced_review,
                       policy::PatientFlag::online_access})
            if (name == policy::to_string(f)) flags.apply(f, true);
    return flags;
}

int RecordIngest::alert_on(const ActiveSettings& active, std::int64_t write_id, const Verdict& v,
                           std::int64_t now, const alerts::AlertContext& context) {
    if (!reason_alerts(v.reason)) return 0;
    auto write = ledger_.get_write(write_id);
    if (!write) return 0;
    auto text = alerts::compose(active.settings, *write, v, context);
    auto id = ledger_.add_alert(write_id, v, text.subject, text.body, now);
    if (id) raised_.push_back({id, write_id, std::move(text.subject)});
    return id ? 1 : 0;
}

void RecordIngest::log_raised() {
    // The subject names the writer and what was written, never the patient: safe for the log.
    for (const auto& r : raised_) spdlog::warn("ALERT {} raised for write {}: {}", r.alert_id, r.write_id, r.subject);
    raised_.clear();
}

std::int64_t RecordIngest::escalation_at(const ActiveSettings& active, const WriteRecord& w) const {
    const auto& esc = active.settings.escalation;
    if (!esc.enabled || w.deadline_at <= 0) return 0;
    return review_deadline(active.calendar, w.deadline_at, esc.after.count());
}

int RecordIngest::raise_overdue(const ActiveSettings& active, const std::vector<std::int64_t>& write_ids,
                                std::int64_t now,
                                std::vector<std::pair<std::int64_t, std::int64_t>>* escalate_at) {
    int created = 0;
    ledger_.begin();
    try {
        for (auto id : write_ids) {
            auto w = ledger_.get_write(id);
            if (!w || w->review_state != "unreviewed") continue;
            const bool overdue_due = !ledger_.has_verdict(id, Reason::unreviewed_overdue);
            // Escalation: once, escalation.after (working time) past the deadline.
            const auto when = escalation_at(active, *w);
            const bool escalation_due = when != 0 && !ledger_.has_verdict(id, Reason::unreviewed_escalated);
            const auto within = std::chrono::seconds{w->review_within_s};
            if (overdue_due && escalation_due && when <= now) {
                // A catch-up (after downtime, or a backlog replayed): overdue and past escalation at
                // the same moment. Both are recorded; the duty GP gets one alert saying both.
                auto overdue = policy::overdue_verdict(active.settings, w->author.ods, w->author.name, within);
                overdue.detail = alerts::verdict_words(active.settings, overdue);
                ledger_.add_verdict(id, overdue, now);
                auto v = policy::escalation_verdict(active.settings, w->author.ods, w->author.name, within);
                v.facts.caught_up = true;
                v.facts.overdue_since = w->deadline_at;
                v.facts.escalation_at = when;
                v.detail = alerts::verdict_words(active.settings, v);
                ledger_.add_verdict(id, v, now);
                created += alert_on(active, id, v, now);
                continue;
            }
            if (overdue_due) {
                auto v = policy::overdue_verdict(active.settings, w->author.ods, w->author.name, within);
                v.detail = alerts::verdict_words(active.settings, v);
                ledger_.add_verdict(id, v, now);
                created += alert_on(active, id, v, now);
            }
            if (!escalation_due) continue;
            if (when <= now) {
                auto v = policy::escalation_verdict(active.settings, w->author.ods, w->author.name, within);
                v.detail = alerts::verdict_words(active.settings, v);
                ledger_.add_verdict(id, v, now);
                created += alert_on(active, id, v, now);
            } else if (escalate_at) {
                escalate_at->emplace_back(id, when);
            }
        }
        ledger_.commit();
    } catch (...) {
        raised_.clear();
        ledger_.rollback();
        throw;
    }
    log_raised();
    return created;
}

namespace {

// What the ledger keeps of a write, as the event policy needs to recompute its deadline.
RecordEvent as_event(const WriteRecord& w) {
    RecordEvent ev;
    ev.feed = w.feed;
    ev.kind = EventKind::entry_created;
    ev.entry_id = w.upstream_id;
    ev.author = w.author;
    ev.route = w.route;
    ev.resource_type = w.resource_type;
    ev.codes = w.codes;
    ev.nopat = w.nopat;
    return ev;
}

}  // namespace

std::vector<std::pair<std::int64_t, std::int64_t>> RecordIngest::recompute_deadlines_slice(
    const ActiveSettings& active, std::int64_t after_id, int limit, std::int64_t& last_id) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    last_id = 0;
    ledger_.begin();
    try {
        for (auto& w : ledger_.open_writes_after(after_id, limit)) {
            last_id = w.id;
            // The settings may have changed the writer's deadline (its organisation, its type, its
            // feed, a content rule): apply the new one. Nothing is alerted here; the review clock
            // raises what is due when it next looks.
            auto within = policy::review_within(active.engine, as_event(w)).count();
            auto deadline = review_deadline(active.calendar, w.review_from, within);
            if (deadline != w.deadline_at || within != w.review_within_s)
                ledger_.set_deadline(w.id, deadline, within);
            w.deadline_at = deadline;
            if (!ledger_.has_verdict(w.id, Reason::unreviewed_overdue)) {
                out.emplace_back(w.id, deadline);
            } else if (!ledger_.has_verdict(w.id, Reason::unreviewed_escalated)) {
                if (auto when = escalation_at(active, w)) out.emplace_back(w.id, when);
            }
        }
        ledger_.commit();
    } catch (...) {
        ledger_.rollback();
        throw;
    }
    return out;
}

void RecordIngest::close_drifts_in_line(const ActiveSettings& active) {
    ledger_.begin();
    try {
        // Drifts the new settings no longer call drift (the practice now agrees with the
        // processor) close; nothing new is alerted on a reload.
        for (auto row : controller_.list_processor_state()) {
            if (row.drift_write_id == 0) continue;
            RecordEvent ev;
            ev.kind = EventKind::sharing_changed;
            ev.setting_value = row.value;
            const auto colon = row.key.find(':');
            ev.setting = row.key.substr(0, colon);
            if (colon != std::string::npos)
                (ev.setting == "share-in" ? ev.setting_ods : ev.setting_agreement) =
                    row.key.substr(colon + 1);
            auto check = policy::check_processor(active.settings, ev);
            if (!check || !check->in_line) continue;
            controller_.close_drift(row.drift_write_id, row.changed_at, "the practice's settings now agree");
            row.drift_write_id = 0;
            row.expected = check->expected;
            controller_.put_processor_state(row);
            spdlog::info("processor drift on {} closed: the settings now expect '{}'", row.key, row.expected);
        }
        ledger_.commit();
    } catch (...) {
        ledger_.rollback();
        throw;
    }
}

std::vector<std::pair<std::int64_t, std::int64_t>> RecordIngest::recompute_deadlines(
    const ActiveSettings& active) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    std::int64_t after = 0;
    for (;;) {
        auto slice = recompute_deadlines_slice(active, after, 10000, after);
        out.insert(out.end(), slice.begin(), slice.end());
        if (after == 0) break;
    }
    close_drifts_in_line(active);
    return out;
}

}  // namespace gpwatch
