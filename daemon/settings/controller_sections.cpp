// The controller's own sections of the settings (feeds, organisation types, code sets, content
// rules, processor expectations, escalation, calendar closures): Loader members kept apart from
// settings_loader.cpp because they are one subject of their own. docs/configuration.md describes
// every key.

#include <algorithm>
#include <cctype>
#include <map>

#include "daemon/settings/bank_holidays.hpp"
#include "daemon/settings/codesets.hpp"
#include "daemon/settings/loader.hpp"
#include "daemon/settings/value_checks.hpp"
#include "daemon/settings/word_tables.hpp"

namespace gpwatch::settings_detail {

std::optional<std::vector<Loader::Value>> Loader::word_list(const Section& s, std::string_view key) {
    const Entry* e = s.find(key);
    if (e == nullptr || e->value.IsNull()) return std::nullopt;
    const std::string path = join(s.path, key);
    std::vector<Value> out;
    if (e->value.IsScalar()) {
        out.push_back({trim(e->value.Scalar()), value_mark(*e), path});
    } else if (e->value.IsSequence()) {
        for (std::size_t i = 0; i < e->value.size(); ++i) {
            const YAML::Node item = e->value[i];
            const std::string item_path = path + "[" + std::to_string(i) + "]";
            if (!item.IsScalar()) {
                error(item.Mark().line >= 0 ? item.Mark() : e->key.Mark(), item_path,
                      "should be a single value, but is " + kind_of(item));
                continue;
            }
            out.push_back({trim(item.Scalar()), item.Mark(), item_path});
        }
    } else {
        error(value_mark(*e), path, "should be a value or a list of values, but is " + kind_of(e->value));
        return std::nullopt;
    }
    for (const auto& v : out)
        if (v.text.empty()) error(v.mark, v.path, "is empty");
    return out;
}

std::optional<Severity> Loader::severity_setting(const Section& s, std::string_view key) {
    auto v = text(s, key, false);
    if (!v) return std::nullopt;
    auto sev = severity_from_string(v->text);
    if (!sev) error(v->mark, v->path, "'" + v->text + "' is not a severity (write info, review, high or urgent)");
    return sev;
}

std::optional<OrgStatus> Loader::status_setting(const Section& s, std::string_view key) {
    auto v = text(s, key, false);
    if (!v) return std::nullopt;
    if (v->text == "allowed") return OrgStatus::allowed;
    if (v->text == "review_only" || v->text == "review-only") return OrgStatus::review_only;
    if (v->text == "prohibited") return OrgStatus::prohibited;
    error(v->mark, v->path, "'" + v->text + "' is not a status (write allowed, review_only or prohibited)");
    return std::nullopt;
}

void Loader::load_closures(const Section& cal, Settings& st) {
    const Entry* e = cal.find("closures");
    if (e == nullptr || e->value.IsNull()) return;
    const std::string list_path = join(cal.path, "closures");
    if (!e->value.IsSequence()) {
        error(value_mark(*e), list_path,
              "should be a list of closures (lines starting with '- date:'), but is " + kind_of(e->value));
        return;
    }
    for (std::size_t i = 0; i < e->value.size(); ++i) {
        const YAML::Node node = e->value[i];
        const Section item = section_of(node, node.Mark(), list_path + "[" + std::to_string(i) + "]", kClosureKeys);
        if (!item.usable) continue;
        Closure c;
        auto d = text(item, "date", true);
        if (!d) continue;
        auto day = parse_iso_day(d->text);
        if (!day) {
            error(d->mark, d->path, "'" + d->text + "' is not a date (write YYYY-MM-DD, e.g. 2026-03-18)");
            continue;
        }
        c.day = *day;
        if (auto h = text(item, "hours", false)) {
            auto parsed = parse_day_hours(h->text);
            if (parsed.error || !parsed.hours) {
                error(h->mark, h->path,
                      parsed.error ? *parsed.error
                                   : "'closed' is not needed here: leave hours out to close the whole day");
                continue;
            }
            c.start = parsed.hours->start;
            c.end = parsed.hours->end;
        }
        if (auto w = text(item, "why", false)) c.why = w->text;
        st.calendar.closures.push_back(std::move(c));
    }
}

void Loader::load_feeds(const Section& top, Settings& st) {
    const Section feeds = child_section(top, "feeds", kFeedsKeys, "feed");
    for (auto [key, out] : {std::pair{"shared_record", &st.shared_record}, std::pair{"update_record", &st.update_record}}) {
        const Section f = child_section(feeds, key, kFeedSwitchKeys);
        if (auto b = flag(f, "enabled")) out->enabled = *b;
        if (auto d = seconds_duration(f, "review_within")) out->review_within = *d;
    }
}

void Loader::load_organisation_types(const Section& top, Settings& st) {
    const Section types = child_section(top, "organisation_types", kOrganisationTypes, "organisation type");
    for (const auto& [name, entry] : types.entries) {
        const Section t = child_section(types, name, kOrgTypeKeys);
        OrganisationTypeDefault d;
        d.type = name;
        d.review_within = st.default_review_within;
        if (auto s = status_setting(t, "status")) d.status = *s;
        if (auto r = seconds_duration(t, "review_within")) d.review_within = *r;
        st.organisation_types.push_back(std::move(d));
    }
}

void Loader::load_codesets(const Section& top, Settings& st) {
    auto v = path_setting(top, "codesets_dir", false);
    if (!v) return;
    st.codesets_dir = v->text;
    auto loaded = load_codesets_dir(v->text, v->path);
    for (auto& e : loaded.errors) {
        // A directory problem points at the setting; a bad line points at its file and line.
        if (e.line == 0 && e.file == v->text) error(v->mark, v->path, e.message);
        else out_.errors.push_back(std::move(e));
    }
    for (auto& w : loaded.warnings) out_.warnings.push_back(std::move(w));
    st.codesets = std::move(loaded.sets);
}

void Loader::load_words(const Section& top, Settings& st) {
    // Not written: the tables beside the settings (config/words) or the installed ones.
    auto v = path_setting(top, "words_dir", false);
    std::string dir = v ? v->text : default_words_dir(base_dir_);
    // None found: alerts show resource names and role codes as they are (gpwatchd says so at start).
    if (dir.empty()) return;
    auto loaded = load_word_tables(dir, v ? v->path : "words_dir");
    for (auto& e : loaded.errors) {
        if (e.line == 0 && v && e.file == v->text) error(v->mark, v->path, e.message);
        else out_.errors.push_back(std::move(e));
    }
    for (auto& w : loaded.warnings) out_.warnings.push_back(std::move(w));
    st.words = std::move(loaded.tables);
}

void Loader::load_rules(const Section& top, Settings& st) {
    const Entry* e = top.find("rules");
    if (e == nullptr || e->value.IsNull()) return;
    if (!e->value.IsSequence()) {
        error(value_mark(*e), "rules", "should be a list of rules (lines starting with '- name:'), but is " +
                                           kind_of(e->value));
        return;
    }
    std::map<std::string, int> names;
    for (std::size_t i = 0; i < e->value.size(); ++i) {
        const YAML::Node node = e->value[i];
        const Section item = section_of(node, node.Mark(), "rules[" + std::to_string(i) + "]", kRuleKeys);
        if (!item.usable) continue;
        ContentRule r;
        r.file = file_;
        r.line = item.mark.line + 1;
        if (auto n = text(item, "name", true)) {
            r.name = n->text;
            if (!std::all_of(r.name.begin(), r.name.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                }))
                error(n->mark, n->path, "'" + r.name + "' is not a rule name (letters, digits, '-', '_', '.'; it "
                                        "appears in alerts and metrics)");
            else if (const auto [it, fresh] = names.emplace(r.name, n->mark.line + 1); !fresh)
                error(n->mark, n->path, "a rule named '" + r.name + "' already exists (line " +
                                            std::to_string(it->second) + "); rule names must be unique");
        }
        if (auto t = text(item, "title", false)) r.title = t->text;
        if (auto sev = severity_setting(item, "severity")) r.severity = *sev;
        else if (!item.find("severity")) report_missing(item, "severity", " (info, review, high or urgent)");
        if (auto d = seconds_duration(item, "review_within")) r.review_within = *d;
        // The category is what LMC reports count this rule's incidents as: a word that goes into
        // a report and onto the LMC's page, so it is held to a plain, short alphabet.
        if (auto c = text(item, "category", false)) {
            if (!valid_rule_category(c->text))
                error(c->mark, c->path, "'" + c->text + "' is not a category (1 to 40 of a-z, 0-9 and '_', e.g. "
                                        "safeguarding or pregnancy_status)");
            else
                r.category = c->text;
        }

        const Section match = child_section(item, "match", kMatchKeys, "condition");
        if (!match.usable) {
            if (!match.present) report_missing(item, "match", " (a rule needs at least one condition)");
            continue;
        }
        const auto fill = [&](std::string_view key, std::vector<std::string>& into, auto&& check) {
            auto list = word_list(match, key);
            if (!list) return;
            for (const auto& v : *list) {
                if (v.text.empty()) continue;
                if (auto why = check(v.text)) error(v.mark, v.path, *why);
                else into.push_back(v.text);
            }
        };
        const auto any = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
        fill("codeset", r.codesets, [&](const std::string& name) -> std::optional<std::string> {
            if (st.find_codeset(name)) return std::nullopt;
            if (st.codesets_dir.empty()) return "no code sets are loaded: add codesets_dir: (e.g. codesets) at the top level";
            std::vector<std::string_view> known;
            for (const auto& c : st.codesets) known.push_back(c.name);
            auto near = nearest(name, known);
            return "no code set '" + name + "' (no file " + name + ".txt in " + st.codesets_dir + ")" +
                   (near ? "; did you mean '" + *near + "'?" : "");
        });
        fill("feed", r.feeds, [](const std::string& f) -> std::optional<std::string> {
            if (f == "clinical" || f == "update_record") return std::nullopt;
            return "'" + f + "' is not a feed (write clinical or update_record)";
        });
        fill("organisation", r.organisations, [](const std::string& o) { return check_ods_code(o); });
        fill("organisation_type", r.organisation_types, [](const std::string& t) -> std::optional<std::string> {
            if (std::find(kOrganisationTypes.begin(), kOrganisationTypes.end(), t) != kOrganisationTypes.end())
                return std::nullopt;
            auto near = nearest(t, kOrganisationTypes);
            return "unknown organisation type '" + t + "'" +
                   (near ? " (did you mean '" + *near + "'?)" : " (known: " + words(kOrganisationTypes) + ")");
        });
        fill("resource_type", r.resource_types, any);
        fill("route", r.routes, any);
        if (r.codesets.empty() && r.feeds.empty() && r.organisations.empty() && r.organisation_types.empty() &&
            r.resource_types.empty() && r.routes.empty() && match.entries.empty())
            error(match.mark, match.path, "a rule needs at least one condition (codeset, feed, organisation, "
                                          "organisation_type, resource_type or route)");
        if (r.category.empty()) r.category = default_rule_category(r);
        st.rules.push_back(std::move(r));
    }
}

void Loader::load_processor(const Section& top, Settings& st) {
    const Section proc = child_section(top, "processor", kProcessorKeys);
    auto& out = st.processor;
    // Unless written otherwise, the processor must mirror the controller's own lists and switch.
    out.update_record = st.update_record.enabled;
    for (const auto& a : st.allowed) out.share_in_allowed.push_back(a.ods);
    for (const auto& p : st.prohibited) out.share_in_prohibited.push_back(p.ods);
    if (auto b = flag(proc, "update_record")) out.update_record = *b;
    const auto ods_list = [&](std::string_view key, std::vector<std::string>& into) {
        auto list = word_list(proc, key);
        if (!list) return;
        into.clear();
        for (const auto& v : *list) {
            if (auto why = check_ods_code(v.text)) error(v.mark, v.path, *why);
            else into.push_back(v.text);
        }
    };
    ods_list("share_in_allowed", out.share_in_allowed);
    ods_list("share_in_prohibited", out.share_in_prohibited);
    if (auto list = word_list(proc, "active_agreements"))
        for (const auto& v : *list)
            if (!v.text.empty()) out.active_agreements.push_back(v.text);
    for (const auto& o : out.share_in_allowed)
        if (std::find(out.share_in_prohibited.begin(), out.share_in_prohibited.end(), o) != out.share_in_prohibited.end())
            error(proc.mark, "processor", o + " is expected both allowed and prohibited in the clinical system");
}

void Loader::load_escalation(const Section& top, Settings& st) {
    const Section esc = child_section(top, "escalation", kEscalationKeys);
    auto& out = st.escalation;
    out.enabled = esc.usable;  // writing the section turns it on
    if (auto b = flag(esc, "enabled")) out.enabled = *b;
    if (auto d = seconds_duration(esc, "after")) out.after = *d;
    if (auto s = severity_setting(esc, "severity")) {
        if (*s == Severity::info || *s == Severity::review)
            error(esc.find("severity")->key.Mark(), "escalation.severity",
                  "an escalation must be louder than an overdue alert: write high or urgent");
        else
            out.severity = *s;
    }
}

}  // namespace gpwatch::settings_detail
