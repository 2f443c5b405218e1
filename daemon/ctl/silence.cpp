#include "daemon/ctl/silence.hpp"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>
#include <date/date.h>
#include <date/tz.h>

#include "daemon/ctl/json_times.hpp"
#include "daemon/ledger/delivery_ledger.hpp"
#include "daemon/settings/settings_loader.hpp"
#include "daemon/settings/value_checks.hpp"
#include "proto/internal_conditions.hpp"
#include "proto/verdict.hpp"

namespace gpwatch::ctl {

namespace {

namespace json = boost::json;

// A silence is for an incident, not a policy: a longer one belongs in the settings.
constexpr std::int64_t kLongestSilence = 90LL * 24 * 3600;

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool known_reason(const std::string& r) {
    // Any write reason, or any internal condition (proto/internal_conditions.hpp): all can be silenced.
    return reason_from_string(r).has_value() || condition::known(r);
}

std::string state_of(const SilenceRow& s, std::int64_t now) {
    if (s.expired_at) return "expired";
    return s.active(now) ? "active" : "ended";
}

int add(const std::vector<std::string>& args, const std::string& ledger_path, const Settings* settings,
        std::ostream& out, std::ostream& err) {
    SilenceRow row;
    std::string until_text;
    bool json_out = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto& a = args[i];
        const bool has_value = i + 1 < args.size();
        if (a == "--org" && has_value) row.org = args[++i];
        else if (a == "--reason" && has_value) row.reason = args[++i];
        else if (a == "--until" && has_value) until_text = args[++i];
        else if (a == "--comment" && has_value) row.comment = args[++i];
        else if (a == "--json") json_out = true;
        else {
            err << "gpwatchctl: silence add: unknown or incomplete argument '" << a << "'\n";
            return 2;
        }
    }
    if (row.org.empty() && row.reason.empty()) {
        err << "gpwatchctl: silence add: give --org CODE or --reason R (or both): a silence never holds back "
               "every alert\n";
        return 2;
    }
    // The same rule as the settings: an ODS code as the feed writes it (capitals), or it could
    // never match an alert.
    if (!row.org.empty())
        if (const auto why = settings_detail::check_ods_code(row.org)) {
            err << "gpwatchctl: silence add: --org " << *why << "\n";
            return 2;
        }
    if (!row.reason.empty() && !known_reason(row.reason)) {
        std::string words;
        for (auto r : all_reasons())
            words += std::string(words.empty() ? "" : ", ") + to_string(r);
        for (const auto& c : condition::all()) words += ", " + c;
        err << "gpwatchctl: silence add: --reason '" << row.reason << "' is not a reason (" << words << ")\n";
        return 2;
    }
    if (until_text.empty()) {
        err << "gpwatchctl: silence add: --until TIME is required (e.g. 2h, or 2026-12-01T18:00 in the "
               "practice's time zone)\n";
        return 2;
    }
    if (row.comment.find_first_not_of(" \t") == std::string::npos) {
        err << "gpwatchctl: silence add: --comment TEXT is required (say why, for whoever reads it later)\n";
        return 2;
    }
    const auto now = now_unix();
    std::string why;
    const auto until = parse_until(until_text, settings ? settings->calendar.time_zone : "Europe/London", now, why);
    if (!until) {
        err << "gpwatchctl: silence add: --until '" << until_text << "': " << why << "\n";
        return 2;
    }
    if (*until <= now) {
        err << "gpwatchctl: silence add: --until " << iso_utc(*until) << " is not in the future\n";
        return 2;
    }
    if (*until - now > kLongestSilence) {
        err << "gpwatchctl: silence add: --until is more than 90 days away; change the settings instead\n";
        return 2;
    }
    row.until_at = *until;
    row.created_at = now;
    // The daemon creates the ledger; a silence for a ledger that does not exist yet would be lost.
    if (!std::filesystem::exists(ledger_path)) {
        err << "gpwatchctl: no ledger at " << ledger_path << " (has gpwatchd run with this state directory?)\n";
        return 1;
    }
    Ledger ledger(ledger_path, Ledger::Access::read_write);
    DeliveryLedger deliveries(ledger);
    row.id = deliveries.add_silence(row);
    if (json_out)
        out << json::serialize(json::object{{"id", row.id}, {"until", iso_utc(row.until_at)}}) << "\n";
    else
        out << "silence " << row.id << " added: alerts" << (row.org.empty() ? "" : " by " + row.org)
            << (row.reason.empty() ? "" : " for " + row.reason) << " are recorded but not delivered until "
            << iso_utc(row.until_at) << "\n";
    return 0;
}

int list(const std::vector<std::string>& args, const std::string& ledger_path, std::ostream& out, std::ostream& err) {
    bool json_out = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--json") json_out = true;
        else {
            err << "gpwatchctl: silence list: unknown argument '" << args[i] << "'\n";
            return 2;
        }
    }
    Ledger ledger(ledger_path, Ledger::Access::read_only);
    DeliveryLedger deliveries(ledger);
    const auto now = now_unix();
    const auto rows = deliveries.list_silences();
    for (const auto& s : rows) {
        if (json_out) {
            json::object o{{"id", s.id},
                           {"org", s.org},
                           {"reason", s.reason},
                           {"until", iso_utc(s.until_at)},
                           {"comment", s.comment},
                           {"created_at", iso_utc(s.created_at)},
                           {"state", state_of(s, now)},
                           {"matched", s.matched}};
            if (s.expired_at) o["expired_at"] = iso_utc(s.expired_at);
            out << json::serialize(o) << "\n";
        } else {
            out << s.id << "  " << state_of(s, now) << "  until " << iso_utc(s.until_at) << "  "
                << (s.org.empty() ? "" : "org=" + s.org + " ") << (s.reason.empty() ? "" : "reason=" + s.reason + " ")
                << "matched=" << s.matched << "  " << s.comment << "\n";
        }
    }
    if (!json_out) out << rows.size() << " silence(s)\n";
    return 0;
}

int expire(const std::vector<std::string>& args, const std::string& ledger_path, std::ostream& out,
           std::ostream& err) {
    std::int64_t id = 0;
    if (args.size() != 2 || !(std::istringstream(args[1]) >> id) || std::to_string(id) != args[1] || id <= 0) {
        err << "gpwatchctl: silence expire: give one silence ID (see 'silence list')\n";
        return 2;
    }
    if (!std::filesystem::exists(ledger_path)) {
        err << "gpwatchctl: no ledger at " << ledger_path << "\n";
        return 1;
    }
    Ledger ledger(ledger_path, Ledger::Access::read_write);
    DeliveryLedger deliveries(ledger);
    if (!deliveries.expire_silence(id, now_unix())) {
        err << "gpwatchctl: silence expire: no active silence " << id << " (see 'silence list')\n";
        return 1;
    }
    out << "silence " << id << " expired: matching alerts are delivered again from now on\n";
    return 0;
}

}  // namespace

std::optional<std::int64_t> parse_until(const std::string& text, const std::string& time_zone, std::int64_t now,
                                        std::string& why) {
    // A duration from now: "2h", "+90m", "1d".
    std::string rel = text.starts_with("+") ? text.substr(1) : text;
    if (!rel.empty() && rel.back() == 'd' && rel.find_first_not_of("0123456789") == rel.size() - 1 && rel.size() > 1)
        return now + std::stoll(rel.substr(0, rel.size() - 1)) * 86400;
    if (auto d = parse_duration(rel)) return now + std::chrono::duration_cast<std::chrono::seconds>(*d).count();
    // An absolute time, YYYY-MM-DDTHH:MM[:SS][Z]: with Z it is UTC, without it the practice's
    // wall clock. Read by hand: date::parse trips -Wmaybe-uninitialized inside date.h.
    std::string t = text;
    const bool utc = !t.empty() && t.back() == 'Z';
    if (utc) t.pop_back();
    if (t.size() == 16) t += ":00";
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    const auto num = [&](std::size_t pos, std::size_t len, int& v) {
        auto [p, ec] = std::from_chars(t.data() + pos, t.data() + pos + len, v);
        return ec == std::errc{} && p == t.data() + pos + len;
    };
    if (t.size() == 19 && t[4] == '-' && t[7] == '-' && (t[10] == 'T' || t[10] == ' ') && t[13] == ':' &&
        t[16] == ':' && num(0, 4, y) && num(5, 2, mo) && num(8, 2, d) && num(11, 2, h) && num(14, 2, mi) &&
        num(17, 2, se) && h < 24 && mi < 60 && se < 60) {
        const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                       date::day{static_cast<unsigned>(d)}};
        if (ymd.ok()) {
            const auto tod = std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{se};
            if (utc) return (date::sys_days{ymd} + tod).time_since_epoch().count();
            try {
                const auto* zone = date::locate_zone(time_zone);
                // A wall-clock time that happens twice (autumn) means the later one: never shorter.
                return zone->to_sys(date::local_days{ymd} + tod, date::choose::latest).time_since_epoch().count();
            } catch (const std::exception& e) {
                why = std::string("cannot convert from the time zone '") + time_zone + "': " + e.what();
                return std::nullopt;
            }
        }
    }
    why = "not a time: write a duration (2h, 30m, 3d) or a date and time (2026-12-01T18:00 in the practice's "
          "time zone, or 2026-12-01T18:00:00Z in UTC)";
    return std::nullopt;
}

int run_silence(const std::vector<std::string>& args, const std::string& ledger_path, const Settings* settings,
                std::ostream& out, std::ostream& err) {
    if (args.empty()) {
        err << "gpwatchctl: silence: give add, list or expire\n";
        return 2;
    }
    try {
        if (args[0] == "add") return add(args, ledger_path, settings, out, err);
        if (args[0] == "list") return list(args, ledger_path, out, err);
        if (args[0] == "expire") return expire(args, ledger_path, out, err);
    } catch (const std::exception& e) {
        err << "gpwatchctl: " << e.what() << "\n";
        return 1;
    }
    err << "gpwatchctl: silence: unknown subcommand '" << args[0] << "' (add, list or expire)\n";
    return 2;
}

}  // namespace gpwatch::ctl
