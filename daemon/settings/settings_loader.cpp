#include "daemon/settings/settings_loader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>

#include <date/tz.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "daemon/settings/bank_holidays.hpp"
#include "daemon/settings/delivery_section.hpp"
#include "daemon/settings/loader.hpp"
#include "daemon/settings/mesh_section.hpp"
#include "daemon/settings/reporting_section.hpp"
#include "daemon/settings/rule_checks.hpp"
#include "daemon/settings/value_checks.hpp"

namespace gpwatch {

namespace fs = std::filesystem;

namespace settings_detail {

namespace {

using settings_reader::read_whole_file;

constexpr std::size_t kMinFrameBytes = 1024;
constexpr std::size_t kMaxFrameBytes = 64 * 1024 * 1024;
constexpr std::uint64_t kMaxBatchEvents = 100000;
constexpr std::chrono::milliseconds kMaxBatchDelay{10000};

// The token goes into an HTTP header: one word, nothing that could split the header.
std::optional<std::string> check_token(std::string_view token, std::string_view where) {
    if (token.empty()) return std::string(where) + " is empty";
    if (std::any_of(token.begin(), token.end(),
                    [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); }))
        return std::string(where) + " holds spaces or more than one line; it should hold only the token";
    return std::nullopt;
}

}  // namespace

Loader::Section Loader::section_of(const YAML::Node& node, const YAML::Mark& where, std::string path,
                                   const Keys& known, std::string_view noun) {
    Section s;
    s.path = std::move(path);
    s.mark = where;
    s.present = node.IsDefined() && !node.IsNull();
    if (!s.present) return s;
    settings_reader::UnknownKeyHints hints;
    hints.noun = noun;
    hints.home = [&](std::string_view name) -> std::optional<std::string> {
        std::optional<std::string> home;
        for (const auto& [section_path, keys] : kSectionsByPath)
            if (section_path != s.path && std::find(keys->begin(), keys->end(), name) != keys->end())
                home = std::string(section_path);
        return home;
    };
    auto entries = reader_.read_map(node, s.path, known, hints, &s.typo_for);
    if (!entries) {
        s.quiet = true;
        return s;
    }
    s.usable = true;
    s.entries = std::move(*entries);
    return s;
}

Loader::Section Loader::child_section(const Section& parent, std::string_view key, const Keys& known,
                                      std::string_view noun) {
    const std::string path = join(parent.path, key);
    if (const Entry* e = parent.find(key)) {
        Section s = section_of(e->value, e->key.Mark(), path, known, noun);
        s.quiet = s.quiet || parent.quiet;
        return s;
    }
    Section s;
    s.path = path;
    s.mark = parent.mark;
    s.quiet = parent.quiet || (parent.present && !parent.usable);
    return s;
}

void Loader::report_missing(const Section& s, std::string_view key, std::string_view extra) {
    if (s.quiet || (s.present && !s.usable)) return;
    // "unknown setting 'nam' (did you mean 'name'?)" already says it; "name is missing" would be noise.
    if (std::find(s.typo_for.begin(), s.typo_for.end(), key) != s.typo_for.end()) return;
    std::string msg = "required setting is missing";
    if (!s.present && !s.path.empty())
        msg += " (the file has no '" + s.path + ":' section)";
    else if (s.path.empty())
        msg += " (add '" + std::string(key) + ":' at the top level)";
    else
        msg += " (add '" + std::string(key) + ":' under '" + s.path + ":')";
    error(s.mark, join(s.path, key), msg + std::string(extra));
}

std::optional<Loader::Value> Loader::scalar(const Section& s, std::string_view key, bool required) {
    const Entry* e = s.find(key);
    const std::string path = join(s.path, key);
    if (e == nullptr || e->value.IsNull()) {
        if (required && e != nullptr)
            error(e->key.Mark(), path, "has no value");
        else if (required)
            report_missing(s, key);
        return std::nullopt;
    }
    if (!e->value.IsScalar()) {
        error(value_mark(*e), path, "should be a single value, but is " + kind_of(e->value));
        return std::nullopt;
    }
    return Value{e->value.Scalar(), value_mark(*e), path};
}

std::optional<Loader::Value> Loader::text(const Section& s, std::string_view key, bool required) {
    auto v = scalar(s, key, required);
    if (v && trim(v->text).empty()) {
        error(v->mark, v->path, "is empty");
        return std::nullopt;
    }
    return v;
}

std::optional<Loader::Value> Loader::path_setting(const Section& s, std::string_view key, bool required) {
    auto v = text(s, key, required);
    if (v) v->text = resolve(v->text);
    return v;
}

std::optional<bool> Loader::flag(const Section& s, std::string_view key) {
    auto v = scalar(s, key, false);
    if (!v) return std::nullopt;
    auto b = settings_reader::parse_flag(v->text);
    if (!b) error(v->mark, v->path, "'" + v->text + "' is not true or false");
    return b;
}

std::optional<std::pair<std::uint64_t, Loader::Value>> Loader::whole_number(const Section& s, std::string_view key) {
    auto v = scalar(s, key, false);
    if (!v) return std::nullopt;
    std::uint64_t n = 0;
    const auto& t = v->text;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (t.empty() || ec != std::errc{} || end != t.data() + t.size()) {
        error(v->mark, v->path, "'" + t + "' is not a whole number (write digits only, e.g. 1048576)");
        return std::nullopt;
    }
    return std::pair{n, *v};
}

std::optional<std::pair<std::chrono::milliseconds, Loader::Value>> Loader::duration(const Section& s,
                                                                                   std::string_view key) {
    auto v = scalar(s, key, false);
    if (!v) return std::nullopt;
    const auto d = parse_duration(v->text);
    if (!d) {
        const bool digits_only = !v->text.empty() && std::all_of(v->text.begin(), v->text.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        error(v->mark, v->path,
              "'" + v->text + "' is not a duration" +
                  (digits_only ? ": it has no unit (write e.g. " + v->text + "s, " + v->text + "m or " +
                                     v->text + "h)"
                               : " (write e.g. 4h, 30m, 1h30m)"));
        return std::nullopt;
    }
    if (d->count() <= 0) {
        error(v->mark, v->path, "must be longer than zero (it is '" + v->text + "')");
        return std::nullopt;
    }
    return std::pair{*d, *v};
}

std::optional<std::chrono::seconds> Loader::seconds_duration(const Section& s, std::string_view key) {
    auto d = duration(s, key);
    if (!d) return std::nullopt;
    if (d->first.count() % 1000 != 0) {
        error(d->second.mark, d->second.path,
              "'" + d->second.text + "' is not a whole number of seconds (write e.g. 45s or 4h)");
        return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::seconds>(d->first);
}

void Loader::load(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull()) {
        error(YAML::Mark{}, "", "the settings file is empty (see config/gpwatchd.yaml for an example)");
        return;
    }
    if (!root.IsMap()) {
        error(root.Mark(), "", "the settings file should be a map of settings ('key: value' lines), but is " +
                                   kind_of(root));
        return;
    }
    Settings st;
    st.source_file = file_;
    const Section top = section_of(root, root.Mark(), "", kRootKeys);

    load_practice(top, st);
    if (auto v = path_setting(top, "state_dir", true)) st.state_dir = v->text;
    load_feed(top, st);
    load_calendar(top, st);
    const Section review = child_section(top, "review", kReviewKeys);
    if (auto d = seconds_duration(review, "default_within")) st.default_review_within = *d;
    load_feeds(top, st);
    load_organisation_types(top, st);
    load_organisations(top, st);
    load_inbox(top, "duty_inbox", "duty-inbox", st, st.duty_inbox);
    load_inbox(top, "admin_inbox", "admin-inbox", st, st.admin_inbox);
    load_ledger(top, st);
    load_codesets(top, st);
    load_words(top, st);
    load_rules(top, st);
    load_processor(top, st);
    load_escalation(top, st);
    if (out_.errors.empty()) warn_rules_that_never_match(st, out_.warnings);
    load_delivery_section(root["delivery"], file_, base_dir_, st, out_.errors);  // delivery_section.hpp
    load_mesh_section(root["mesh"], file_, base_dir_, st.mesh, out_.errors, out_.warnings);  // mesh_section.hpp
    load_reporting_section(root["reporting"], file_, base_dir_, st.reporting, out_.errors,
                           out_.warnings);  // reporting_section.hpp

    if (out_.errors.empty()) out_.settings = std::move(st);
}

void Loader::load_practice(const Section& top, Settings& st) {
    const Section practice = child_section(top, "practice", kPracticeKeys);
    if (auto v = text(practice, "ods", true)) {
        if (auto why = check_ods_code(v->text))
            error(v->mark, v->path, *why);
        else
            st.practice_ods = v->text;
    }
    if (auto v = text(practice, "name", true)) st.practice_name = v->text;
}

void Loader::load_feed(const Section& top, Settings& st) {
    const Section feed = child_section(top, "clinical_feed", kFeedKeys);
    auto& out = st.clinical_feed;
    if (auto b = flag(feed, "enabled")) out.enabled = *b;
    // A disabled feed needs no address or credentials, but what is written is still checked.
    const bool required = out.enabled;

    if (auto v = text(feed, "url", required)) {
        if (auto why = check_feed_url(v->text))
            error(v->mark, v->path, *why);
        else
            out.url = v->text;
    }
    if (auto v = path_setting(feed, "ca_file", required)) {
        out.ca_file = v->text;
        std::error_code ec;
        if (!fs::exists(v->text, ec))
            warn(v->mark, v->path, "'" + v->text + "' does not exist (yet); the feed cannot connect without it");
    }

    const auto token = scalar(feed, "token", false);
    const auto token_file = path_setting(feed, "token_file", false);
    if (token && token_file) {
        error(token_file->mark, token_file->path, "write either token or token_file, not both");
    } else if (token_file) {
        std::string content;
        if (auto why = read_whole_file(token_file->text, content)) {
            error(token_file->mark, token_file->path,
                  "cannot read the token file '" + token_file->text + "': " + *why);
        } else {
            content = trim(content);
            if (auto bad = check_token(content, "the token file '" + token_file->text + "'"))
                error(token_file->mark, token_file->path, *bad);
            else
                out.token = content;
        }
    } else if (token) {
        if (auto bad = check_token(token->text, "the token"))
            error(token->mark, token->path, *bad);
        else
            out.token = token->text;
    } else if (required) {
        report_missing(feed, "token",
                       "; write token_file: (a file holding the feed's bearer token) or token:");
    }

    if (auto n = whole_number(feed, "max_frame_bytes")) {
        if (n->first < kMinFrameBytes || n->first > kMaxFrameBytes)
            error(n->second.mark, n->second.path,
                  std::to_string(n->first) + " is out of range: write a size from 1024 (1 KiB) to 67108864 "
                                             "(64 MiB) bytes");
        else
            out.max_frame_bytes = static_cast<std::size_t>(n->first);
    }
    const auto initial = duration(feed, "reconnect_initial");
    const auto longest = duration(feed, "reconnect_max");
    if (initial) out.reconnect_initial = initial->first;
    if (longest) out.reconnect_max = longest->first;
    if ((initial || longest) && out.reconnect_initial > out.reconnect_max) {
        const Value& at = longest ? longest->second : initial->second;
        error(at.mark, at.path,
              "the first reconnect wait (reconnect_initial) is longer than the longest one (reconnect_max)");
    }
}

void Loader::load_calendar(const Section& top, Settings& st) {
    const Section cal = child_section(top, "calendar", kCalendarKeys);
    auto& out = st.calendar;

    if (auto v = text(cal, "time_zone", false)) {
        bool known = false;
        try {
            known = date::locate_zone(v->text) != nullptr;
        } catch (const std::exception&) {
            known = false;
        }
        if (!known)
            error(v->mark, v->path,
                  "unknown time zone '" + v->text + "' (write a tz database name, e.g. Europe/London)");
        else
            out.time_zone = v->text;
        if (known && v->text != "Europe/London")
            warn(v->mark, v->path,
                 "is '" + v->text + "', not Europe/London: working hours will be read in that zone");
    }

    const Section hours = child_section(cal, "working_hours", kWeekdays, "weekday");
    for (std::size_t i = 0; i < kWeekdays.size(); ++i) {
        auto v = text(hours, kWeekdays[i], false);
        if (!v) continue;
        auto parsed = parse_day_hours(v->text);
        if (parsed.error)
            error(v->mark, v->path, *parsed.error);
        else
            out.hours.days[i] = parsed.hours;
    }
    if (std::none_of(out.hours.days.begin(), out.hours.days.end(), [](const auto& d) { return d.has_value(); }))
        warn(hours.mark, "calendar.working_hours",
             "no working hours on any day: review deadlines will never fall due");

    if (auto v = path_setting(cal, "bank_holidays_file", false)) {
        out.bank_holidays_file = v->text;
        std::string content;
        if (auto why = read_whole_file(v->text, content)) {
            error(v->mark, v->path, "cannot read the bank holidays file '" + v->text + "': " + *why);
        } else {
            auto parsed = parse_bank_holidays(content, v->text, v->path);
            for (auto& e : parsed.errors) out_.errors.push_back(std::move(e));
            for (auto& w : parsed.warnings) out_.warnings.push_back(std::move(w));
            if (parsed.days.empty() && parsed.errors.empty())
                warn(v->mark, v->path, "the bank holidays file '" + v->text + "' lists no dates");
            out.closed_days = std::move(parsed.days);
        }
    } else if (!cal.quiet && !cal.find("bank_holidays_file")) {
        warn(cal.mark, "calendar.bank_holidays_file",
             "no bank holidays file: review deadlines will count bank holidays as working days "
             "(config/bank-holidays-england-and-wales.txt lists them)");
    }
    load_closures(cal, st);
}

void Loader::load_organisations(const Section& top, Settings& st) {
    const Section orgs = child_section(top, "organisations", kOrganisationsKeys);
    struct Seen {
        int line;
        bool allowed;
    };
    std::map<std::string, Seen> seen;

    const auto each_item = [&](std::string_view list_key, const Keys& keys, auto&& on_item) {
        const Entry* e = orgs.find(list_key);
        if (e == nullptr || e->value.IsNull()) return;
        const std::string list_path = join(orgs.path, list_key);
        if (!e->value.IsSequence()) {
            error(value_mark(*e), list_path,
                  "should be a list of organisations (lines starting with '- ods:'), but is " + kind_of(e->value));
            return;
        }
        for (std::size_t i = 0; i < e->value.size(); ++i) {
            const YAML::Node item = e->value[i];
            const std::string path = list_path + "[" + std::to_string(i) + "]";
            if (item.IsNull()) {
                // yaml-cpp places an empty entry where the next token starts, which can be a later
                // line; the list itself is the honest place to point at.
                error(e->key.Mark(), path,
                      "entry " + std::to_string(i + 1) + " of the list is empty (each entry needs at least 'ods:')");
                continue;
            }
            on_item(section_of(item, item.Mark(), path, keys));
        }
    };

    const auto check_ods = [&](const Section& item, bool allowed) -> std::optional<std::string> {
        auto v = text(item, "ods", true);
        if (!v) return std::nullopt;
        if (auto why = check_ods_code(v->text)) {
            error(v->mark, v->path, *why);
            return std::nullopt;
        }
        const int line = v->mark.line + 1;
        if (const auto [it, fresh] = seen.emplace(v->text, Seen{line, allowed}); !fresh) {
            const Seen& first = it->second;
            if (first.allowed == allowed)
                error(v->mark, v->path,
                      v->text + " is listed twice in organisations." + (allowed ? "allowed" : "prohibited") +
                          " (first on line " + std::to_string(first.line) + "); keep one");
            else
                error(v->mark, v->path,
                      v->text + " is both allowed (line " + std::to_string(allowed ? line : first.line) +
                          ") and prohibited (line " + std::to_string(allowed ? first.line : line) +
                          "); remove it from one of the lists");
            return std::nullopt;
        }
        if (v->text == st.practice_ods)
            warn(v->mark, v->path,
                 v->text + " is the practice itself; the practice's own writes are never third-party writes");
        return v->text;
    };

    // organisations.allowed and organisations.review_only differ only in the status they give.
    // (Not a structured binding: clang 14 cannot capture one in the lambda.)
    for (const auto& list : {std::pair{"allowed", OrgStatus::allowed}, std::pair{"review_only", OrgStatus::review_only}}) {
        const OrgStatus status = list.second;
        each_item(list.first, kAllowedKeys, [&](const Section& item) {
            if (!item.usable) return;
            AllowedOrganisation org;
            org.status = status;
            auto ods = check_ods(item, true);
            if (auto v = text(item, "name", false)) org.name = v->text;
            org.review_within = st.default_review_within;
            if (auto d = seconds_duration(item, "review_within")) org.review_within = *d;
            if (ods) {
                org.ods = *ods;
                st.allowed.push_back(std::move(org));
            }
        });
    }
    each_item("prohibited", kProhibitedKeys, [&](const Section& item) {
        if (!item.usable) return;
        ProhibitedOrganisation org;
        auto ods = check_ods(item, false);
        if (auto v = text(item, "name", false)) org.name = v->text;
        if (auto v = text(item, "why", false)) org.why = v->text;
        if (auto d = seconds_duration(item, "review_within")) org.review_within = *d;
        if (ods) {
            org.ods = *ods;
            st.prohibited.push_back(std::move(org));
        }
    });
}

void Loader::load_inbox(const Section& top, const char* name, const char* folder, const Settings& st,
                        DutyInboxSettings& out) {
    const Section inbox = child_section(top, name, kDutyInboxKeys);
    if (auto v = path_setting(inbox, "maildir", false))
        out.maildir = v->text;
    else if (!st.state_dir.empty())
        out.maildir = (fs::path(st.state_dir) / folder).string();
    for (auto [key, field] : {std::pair{"to", &out.to}, std::pair{"from", &out.from}}) {
        if (auto v = text(inbox, key, false)) {
            if (auto why = check_mail_address(v->text))
                error(v->mark, v->path, *why);
            else
                *field = v->text;
        }
    }
}

void Loader::load_ledger(const Section& top, Settings& st) {
    const Section ledger = child_section(top, "ledger", kLedgerKeys);
    if (auto n = whole_number(ledger, "batch_max_events")) {
        if (n->first < 1 || n->first > kMaxBatchEvents)
            error(n->second.mark, n->second.path,
                  std::to_string(n->first) + " is out of range: write a number of events from 1 to " +
                      std::to_string(kMaxBatchEvents));
        else
            st.ledger.batch_max_events = static_cast<std::size_t>(n->first);
    }
    if (auto d = duration(ledger, "batch_max_delay")) {
        if (d->first > kMaxBatchDelay)
            error(d->second.mark, d->second.path,
                  "'" + d->second.text + "' is out of range: write a wait from 1ms to 10s (e.g. 20ms)");
        else
            st.ledger.batch_max_delay = d->first;
    }
}

}  // namespace settings_detail

namespace {

void sort_by_place(std::vector<SettingsError>& v, const std::string& main_file) {
    std::stable_sort(v.begin(), v.end(), [&](const SettingsError& a, const SettingsError& b) {
        const bool a_other = a.file != main_file, b_other = b.file != main_file;
        if (a_other != b_other) return !a_other;
        if (a.file != b.file) return a.file < b.file;
        if (a.line != b.line) return a.line < b.line;
        return a.column < b.column;
    });
}

}  // namespace

std::string settings_hash(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("cannot compute SHA-256 (OpenSSL)");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xf];
    }
    return out;
}

SettingsLoad load_settings_text(const std::string& yaml, const std::string& file_name_for_messages,
                                const std::string& base_dir) {
    SettingsLoad out;
    const auto fail = [&](int line, int column, std::string msg) {
        out.settings.reset();
        out.errors.push_back({file_name_for_messages, line, column, "", std::move(msg)});
    };
    try {
        YAML::Node root;
        try {
            root = YAML::Load(yaml);
        } catch (const YAML::ParserException& e) {
            fail(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0,
                 "YAML syntax error: " + e.msg +
                     " (check the indentation, and quote values that contain ': ' or start with a special "
                     "character)");
            return out;
        }
        settings_detail::Loader(file_name_for_messages, base_dir, out).load(root);
        if (out.settings) out.settings->source_hash = settings_hash(yaml);
    } catch (const YAML::Exception& e) {
        fail(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0,
             std::string("cannot read the settings: ") + e.what());
    } catch (const std::exception& e) {
        fail(0, 0, std::string("cannot read the settings: ") + e.what());
    }
    sort_by_place(out.errors, file_name_for_messages);
    sort_by_place(out.warnings, file_name_for_messages);
    return out;
}

SettingsLoad load_settings_file(const std::string& path) {
    try {
        std::string text;
        if (auto why = settings_reader::read_whole_file(path, text)) {
            SettingsLoad out;
            out.errors.push_back({path, 0, 0, "", "cannot read the settings file: " + *why});
            return out;
        }
        std::error_code ec;
        fs::path dir = fs::absolute(fs::path(path), ec).parent_path();
        if (ec) dir = fs::path(path).parent_path();
        return load_settings_text(text, path, dir.string());
    } catch (const std::exception& e) {
        SettingsLoad out;
        out.errors.push_back({path, 0, 0, "", std::string("cannot read the settings file: ") + e.what()});
        return out;
    }
}

}  // namespace gpwatch
