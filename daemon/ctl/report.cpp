#include "daemon/ctl/report.hpp"

#include <filesystem>
#include <iomanip>
#include <ostream>

#include <boost/json.hpp>
#include <date/date.h>
#include <date/tz.h>

#include "daemon/ctl/json_times.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/reporting/report_builder.hpp"
#include "daemon/ledger/report_ledger.hpp"
#include "daemon/reporting/report_preparer.hpp"
#include "reporting/iso_week.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch::ctl {

namespace {

namespace json = boost::json;

constexpr const char* kReportUsage =
    "usage: gpwatchctl --config FILE report show [--period YYYY-Www] [--json|--csv]\n"
    "       gpwatchctl --config FILE report list [--json]\n"
    "       gpwatchctl --config FILE report public-key\n"
    "       gpwatchctl --config FILE report resend [--period YYYY-Www]\n";

int usage(std::ostream& err, const std::string& why) {
    err << "gpwatchctl report: " << why << "\n" << kReportUsage;
    return 2;
}

std::string local_day(std::int64_t t, const date::time_zone* zone) {
    return date::format("%Y-%m-%d", date::make_zoned(zone, date::sys_seconds{std::chrono::seconds{t}}));
}

std::string shown(std::uint32_t value, bool redacted) { return redacted ? "redacted" : std::to_string(value); }

json::value json_count(std::uint32_t value, bool redacted) {
    if (redacted) return nullptr;
    return json::value(value);
}

// CSV fields here are reasons, feeds, ODS codes and organisation types: quote any that has a
// comma, quote or line break anyway, so a strange value cannot shift the columns.
std::string csv(const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

void print_text(std::ostream& out, const PreparedReport& p, const date::time_zone* zone) {
    const auto& r = p.report;
    out << "practice:        " << r.practice_ods() << "\n"
        << "period:          " << r.period() << " (" << local_day(r.period_start(), zone) << " to "
        << local_day(r.period_end() - 1, zone) << ", " << zone->name() << ")\n"
        << "revision:        " << r.revision()
        << (p.changed ? (r.revision() == 1 ? " (not yet recorded)" : " (not yet recorded: the counts changed since revision " +
                                                                         std::to_string(r.revision() - 1) + ")")
                      : " (recorded)")
        << "\n"
        << "gpwatch version: " << r.gpwatch_version() << "\n"
        << "settings hash:   " << r.settings_hash() << "\n"
        << "generated at:    " << iso_utc(r.generated_at()) << "\n"
        << "per writer ODS:  " << (r.per_writer_ods() ? "yes" : "no") << "\n"
        << "content digest:  " << p.digest << "\n\n";
    out << std::left << std::setw(40) << "REASON" << std::setw(15) << "FEED" << std::setw(22) << "WRITER TYPE";
    if (r.per_writer_ods()) out << std::setw(12) << "WRITER ODS";
    out << "COUNT\n";
    for (const auto& c : r.counts()) {
        out << std::left << std::setw(40) << c.reason() << std::setw(15) << c.feed() << std::setw(22)
            << c.writer_org_type();
        if (r.per_writer_ods()) out << std::setw(12) << c.writer_ods();
        out << shown(c.value(), c.redacted()) << "\n";
    }
    out << "\n" << std::left << std::setw(40) << "REASON" << "TOTAL\n";
    for (const auto& t : r.totals()) out << std::left << std::setw(40) << t.reason() << shown(t.value(), t.redacted()) << "\n";
}

void print_json(std::ostream& out, const PreparedReport& p) {
    const auto& r = p.report;
    json::array counts;
    for (const auto& c : r.counts()) {
        json::object o{{"reason", c.reason()}, {"feed", c.feed()}, {"writer_org_type", c.writer_org_type()}};
        if (r.per_writer_ods()) o["writer_ods"] = c.writer_ods();
        o["value"] = json_count(c.value(), c.redacted());
        o["redacted"] = c.redacted();
        counts.push_back(std::move(o));
    }
    json::array totals;
    for (const auto& t : r.totals())
        totals.push_back(json::object{{"reason", t.reason()}, {"value", json_count(t.value(), t.redacted())},
                                      {"redacted", t.redacted()}});
    json::object o{
        {"format_version", r.format_version()},
        {"practice_ods", r.practice_ods()},
        {"period", r.period()},
        {"period_start", time_or_null(r.period_start())},
        {"period_end", time_or_null(r.period_end())},
        {"revision", r.revision()},
        {"recorded", !p.changed},
        {"gpwatch_version", r.gpwatch_version()},
        {"settings_hash", r.settings_hash()},
        {"generated_at", time_or_null(r.generated_at())},
        {"per_writer_ods", r.per_writer_ods()},
        {"content_digest", p.digest},
        {"counts", std::move(counts)},
        {"totals", std::move(totals)},
    };
    out << json::serialize(o) << "\n";
}

void print_csv(std::ostream& out, const PreparedReport& p) {
    const auto& r = p.report;
    const std::string head = csv(r.practice_ods()) + "," + csv(r.period()) + "," + std::to_string(r.revision()) + ",";
    out << "practice_ods,period,revision,kind,reason,feed,writer_org_type,writer_ods,count\n";
    for (const auto& c : r.counts())
        out << head << "count," << csv(c.reason()) << "," << csv(c.feed()) << "," << csv(c.writer_org_type()) << ","
            << csv(c.writer_ods()) << "," << shown(c.value(), c.redacted()) << "\n";
    for (const auto& t : r.totals())
        out << head << "total," << csv(t.reason()) << ",,,," << shown(t.value(), t.redacted()) << "\n";
}

int show(const std::vector<std::string>& args, const std::string& ledger_path, const Settings& settings,
         std::int64_t now, std::ostream& out, std::ostream& err) {
    std::string period, format = "text";
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--period" && i + 1 < args.size()) period = args[++i];
        else if (args[i] == "--json" && format == "text") format = "json";
        else if (args[i] == "--csv" && format == "text") format = "csv";
        else if (args[i] == "--json" || args[i] == "--csv") return usage(err, "give --json or --csv, not both");
        else return usage(err, "unknown or incomplete argument '" + args[i] + "'");
    }
    const ReportContext context = report_context(settings);
    if (!settings.reporting.enabled)
        err << "note: the settings have no reporting: section; gpwatchd prepares and sends nothing (shown with "
               "the defaults)\n";
    Ledger ledger(ledger_path, Ledger::Access::read_only);
    ReportPreparer preparer(ledger, context, settings.reporting, nullptr);
    reporting::IsoWeek week;
    if (period.empty()) {
        week = preparer.latest_closed_period(now);
    } else {
        auto parsed = reporting::parse_iso_week(period, context.zone);
        if (!parsed) return usage(err, "'" + period + "' is not an ISO week (write e.g. 2026-W47)");
        week = *parsed;
        if (week.end + settings.reporting.settle_after.count() > now)
            err << "note: " << week.name() << " has not closed yet (reports go once it has ended and "
                << settings.reporting.settle_after.count() / 3600 << "h have passed); these counts may still change\n";
    }
    const auto prepared = preparer.prepare(week, now);
    if (format == "json") print_json(out, prepared);
    else if (format == "csv") print_csv(out, prepared);
    else print_text(out, prepared, context.zone);
    return 0;
}

int list(const std::vector<std::string>& args, const std::string& ledger_path, std::ostream& out,
         std::ostream& err) {
    bool json_out = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--json") json_out = true;
        else return usage(err, "unknown argument '" + args[i] + "'");
    }
    Ledger ledger(ledger_path, Ledger::Access::read_only);
    const auto rows = ReportLedger(ledger).list();
    if (json_out) {
        for (const auto& r : rows)
            out << json::serialize(json::object{
                       {"period", r.period},
                       {"revision", r.revision},
                       {"state", r.state},
                       {"attempts", r.attempts},
                       {"created_at", time_or_null(r.created_at)},
                       {"next_attempt_at", r.state == "pending" ? time_or_null(r.next_attempt_at) : json::value(nullptr)},
                       {"delivered_at", time_or_null(r.delivered_at)},
                       {"last_error", r.last_error},
                       {"content_digest", r.content_digest},
                       {"bytes", r.body.size()},
                   })
                << "\n";
        return 0;
    }
    out << std::left << std::setw(10) << "PERIOD" << std::setw(5) << "REV" << std::setw(11) << "STATE" << std::setw(9)
        << "ATTEMPTS" << std::setw(22) << "CREATED" << std::setw(22) << "DELIVERED" << "LAST ERROR\n";
    for (const auto& r : rows)
        out << std::left << std::setw(10) << r.period << std::setw(5) << r.revision << std::setw(11) << r.state
            << std::setw(9) << r.attempts << std::setw(22) << iso_utc(r.created_at) << std::setw(22)
            << (r.delivered_at > 0 ? iso_utc(r.delivered_at) : "-") << (r.last_error.empty() ? "-" : r.last_error)
            << "\n";
    out << rows.size() << " report(s)\n";
    return 0;
}

// Puts the newest revision of a week (or of every week) that was refused or never sent back in
// the outbox: after the LMC registered the practice's key, or once an upload is configured.
int resend(const std::vector<std::string>& args, const std::string& ledger_path, const Settings& settings,
           std::int64_t now, std::ostream& out, std::ostream& err) {
    std::string period;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--period" && i + 1 < args.size()) period = args[++i];
        else return usage(err, "unknown or incomplete argument '" + args[i] + "'");
    }
    if (!period.empty()) {
        const auto parsed = reporting::parse_iso_week(period, report_context(settings).zone);
        if (!parsed) return usage(err, "'" + period + "' is not an ISO week (write e.g. 2026-W47)");
        period = parsed->name();
    }
    Ledger ledger(ledger_path, Ledger::Access::read_write);
    const int queued = ReportLedger(ledger).requeue_newest({"failed", "unsent"}, period, now);
    if (queued == 0) {
        err << "gpwatchctl report: no failed or unsent report" << (period.empty() ? "" : " for " + period)
            << " to send again (see `gpwatchctl report list`)\n";
        return 1;
    }
    out << queued << " report(s) queued for upload; gpwatchd sends them at its next check (within "
        << "reporting.check_every), or at once after a reload (systemctl reload gpwatchd)\n";
    if (!settings.reporting.upload)
        err << "note: the settings have no reporting.upload section: nothing is sent until one is added\n";
    return 0;
}

int public_key(const std::vector<std::string>& args, const Settings& settings, std::ostream& out, std::ostream& err) {
    if (args.size() > 1) return usage(err, "public-key takes no arguments");
    if (!settings.reporting.enabled || settings.reporting.signing_key_file.empty()) {
        err << "gpwatchctl report: the settings have no reporting.signing_key_file (add a reporting: section)\n";
        return 1;
    }
    const auto key = reporting::SigningKey::load_pem_file(settings.reporting.signing_key_file);
    out << "key_id: " << key.key_id() << "\n" << key.public_key_pem();
    return 0;
}

}  // namespace

int run_report(const std::vector<std::string>& args, const std::string& ledger_path, const Settings* settings,
               std::int64_t now, std::ostream& out, std::ostream& err) {
    if (args.empty()) return usage(err, "a subcommand is required (show, list, resend or public-key)");
    const std::string& sub = args.front();
    if (sub != "show" && sub != "list" && sub != "public-key" && sub != "resend")
        return usage(err, "unknown subcommand '" + sub + "' (show, list, resend or public-key)");
    try {
        if (sub == "list") return list(args, ledger_path, out, err);
        // What a report says depends on the settings (practice, time zone, rule categories, hash).
        if (settings == nullptr) {
            err << "gpwatchctl report: " << sub << " needs valid settings\n";
            return 2;
        }
        if (sub == "show") return show(args, ledger_path, *settings, now, out, err);
        if (sub == "resend") return resend(args, ledger_path, *settings, now, out, err);
        return public_key(args, *settings, out, err);
    } catch (const std::exception& e) {
        err << "gpwatchctl report: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace gpwatch::ctl
