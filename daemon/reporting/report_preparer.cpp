#include "daemon/reporting/report_preparer.hpp"

#include <algorithm>
#include <stdexcept>

namespace gpwatch {

ReportPreparer::ReportPreparer(Ledger& ledger, ReportContext context, const ReportingSettings& settings,
                               const reporting::SigningKey* key)
    : ledger_(ledger), context_(std::move(context)), settings_(settings), key_(key), reports_(ledger) {}

reporting::IsoWeek ReportPreparer::latest_closed_period(std::int64_t now) const {
    // The week holding (now - settle_after) has not settled yet; the one before it has.
    return reporting::previous_week(reporting::iso_week_containing(now - settings_.settle_after.count(), context_.zone),
                                    context_.zone);
}

std::vector<reporting::IsoWeek> ReportPreparer::closed_periods(std::int64_t now) {
    // The first week any write gpwatch knows of was made in. By when it was written, not when it
    // arrived: a feed catching up after an outage (or a MESH backlog met at installation)
    // delivers writes of weeks already over, and they are that week's incidents.
    // A write whose time could not be right counts by its arrival (trusted_at).
    // look_back_weeks bounds how far back that reaches.
    const auto first = reports_.earliest_write_time();
    if (!first) return {};
    const auto first_week = reporting::iso_week_containing(*first, context_.zone);

    std::vector<reporting::IsoWeek> weeks;
    auto w = latest_closed_period(now);
    for (int i = 0; i < settings_.look_back_weeks && w.start >= first_week.start; ++i) {
        weeks.push_back(w);
        w = reporting::previous_week(w, context_.zone);
    }
    std::reverse(weeks.begin(), weeks.end());
    return weeks;
}

PreparedReport ReportPreparer::prepare(const reporting::IsoWeek& week, std::int64_t now) {
    PreparedReport p;
    const auto cells =
        count_incidents(ledger_, week.start, week.end, context_.per_writer_ods, context_.rule_categories);
    p.report = build_report(context_, week, cells);
    p.digest = content_digest(p.report);
    const auto latest = reports_.latest(week.name());
    if (latest && latest->content_digest == p.digest) {
        // Nothing changed: this is the revision already sealed, shown as it was sealed. The
        // stored bytes are what was (or will be) sent; a rebuild would carry today's settings
        // hash and version, which change without changing the counts.
        report::SignedIncidentReport sealed;
        report::IncidentReport as_sealed;
        if (sealed.ParseFromString(latest->body) && as_sealed.ParseFromString(sealed.report())) {
            p.report = std::move(as_sealed);
        } else {
            p.report.set_revision(static_cast<std::uint32_t>(latest->revision));
            p.report.set_generated_at(latest->created_at);
        }
        p.changed = false;
    } else {
        p.report.set_revision(static_cast<std::uint32_t>(latest ? latest->revision + 1 : 1));
        p.report.set_generated_at(now);
        p.changed = true;
    }
    return p;
}

int ReportPreparer::record_new_revisions(std::int64_t now, bool upload_configured) {
    if (key_ == nullptr) throw std::logic_error("ReportPreparer: no signing key, cannot seal reports");
    int recorded = 0;
    ledger_.begin();
    try {
        for (const auto& week : closed_periods(now)) {
            auto p = prepare(week, now);
            if (!p.changed) continue;
            StoredReport row;
            row.period = p.report.period();
            row.revision = p.report.revision();
            row.content_digest = p.digest;
            row.body = reporting::seal_report(p.report, *key_);
            row.created_at = now;
            row.state = upload_configured ? "pending" : "unsent";
            row.next_attempt_at = now;
            reports_.insert(row);
            ++recorded;
        }
        ledger_.commit();
    } catch (...) {
        ledger_.rollback();
        throw;
    }
    return recorded;
}

}  // namespace gpwatch
