#include "daemon/settings/delivery_section.hpp"

#include <algorithm>
#include <cctype>

#include "settings_reader/map_reader.hpp"
#include "daemon/settings/value_checks.hpp"
#include "proto/internal_conditions.hpp"
#include "proto/sink_types.hpp"
#include "proto/verdict.hpp"

namespace gpwatch {

namespace {

using settings_reader::Keys;
using settings_reader::MapReader;
using settings_reader::words;

const Keys kDeliveryKeys{"sinks",       "routes",           "default_sinks",      "digest_window",
                         "quiet_hours", "backlog_digest_after", "backlog_digest_min", "flood_limit",
                         "flood_window", "internal"};
const Keys kSinkKeys{"name", "type", "maildir", "inbox", "from", "to", "url", "auth", "username", "password_file",
                     "oauth2_token_file", "ca_file", "secret_file", "token_file", "list"};
const Keys kRouteKeys{"kind", "severity", "reason", "rule", "escalation", "sinks", "digest"};
const Keys kInternalKeys{"enabled", "feed_disconnected_after", "mesh_unreachable_after", "disk_free_min", "outbox_backlog_max",
                         "outbox_oldest_max", "check_every", "notify_on_clear"};
// Conditions internal alerts are raised for (proto/internal_conditions.hpp).
const Keys& internal_conditions() {
    static const Keys k(condition::all().begin(), condition::all().end());
    return k;
}

bool known(const Keys& keys, std::string_view k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); }

// Delivery's waits: a whole number of seconds, longer than zero.
std::optional<std::chrono::seconds> seconds(MapReader& c, const YAML::Node& map, const std::string& path,
                                            const std::string& key) {
    return c.whole_seconds(map, path, key, std::chrono::seconds(1),
                           "is not a whole number of seconds longer than zero (write e.g. 5m, 1h, 90s)");
}

// Disk space: sizes up to 1 PiB.
std::optional<std::uint64_t> bytes(MapReader& c, const YAML::Node& map, const std::string& path,
                                   const std::string& key) {
    return c.bytes(map, path, key, 0, 1ull << 50, "is not a size (write e.g. 512MB or 2GB)");
}

bool valid_sink_name(const std::string& s) {
    return !s.empty() && s.size() <= 64 &&
           std::all_of(s.begin(), s.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-'; });
}

void load_sink(MapReader& c, const YAML::Node& n, const std::string& path, DeliverySettings& d) {
    if (!c.check_map(n, path, kSinkKeys)) return;
    SinkSettings s;
    auto name = c.text(n, path, "name");
    auto type = c.text(n, path, "type");
    if (!name) return c.error(n, path + ".name", "required setting is missing (every sink needs a name routes can use)");
    if (!valid_sink_name(*name)) return c.error(n["name"], path + ".name", "'" + *name + "' should be letters, digits, _ or -");
    for (const auto& other : d.sinks)
        if (other.name == *name) return c.error(n["name"], path + ".name", "sink '" + *name + "' is defined twice");
    if (!type) return c.error(n, path + ".type", "required setting is missing (" + sink_type_words() + ")");
    const SinkTypeSpec* spec = find_sink_type(*type);
    if (!spec)
        return c.error(n["type"], path + ".type", "'" + *type + "' is not a sink type (" + sink_type_words() + ")");
    s.name = *name;
    s.type = spec->type;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto key = it->first.as<std::string>("");
        if (key != "name" && key != "type" && known(kSinkKeys, key) && !known(spec->options, key))
            c.error(it->first, path + "." + key, "does not apply to a " + *type + " sink (it takes: " + words(spec->options) + ")");
    }
    if (auto v = c.text(n, path, "url")) s.url = *v;
    if (auto v = c.text(n, path, "from")) s.from = *v;
    if (auto v = c.list(n, path, "to")) s.to = *v;
    if (auto v = c.text(n, path, "auth")) s.auth = *v;
    if (auto v = c.text(n, path, "username")) s.username = *v;
    if (auto v = c.text(n, path, "list")) s.list = *v;
    if (auto v = c.text(n, path, "inbox")) s.inbox = *v;
    for (auto [key, field] : {std::pair{"maildir", &s.maildir}, std::pair{"password_file", &s.password_file},
                              std::pair{"oauth2_token_file", &s.oauth2_token_file}, std::pair{"ca_file", &s.ca_file},
                              std::pair{"secret_file", &s.secret_file}, std::pair{"token_file", &s.token_file}})
        if (auto v = c.text(n, path, key)) *field = v->rfind("credential:", 0) == 0 ? *v : c.resolve(*v);
    for (const auto& a : s.to)
        if (auto why = settings_detail::check_mail_address(a)) c.error(n["to"], path + ".to", *why);
    if (!s.from.empty())
        if (auto why = settings_detail::check_mail_address(s.from)) c.error(n["from"], path + ".from", *why);

    // What the type cannot do without (sink_types.hpp), then the checks that span options.
    const auto has = [&](std::string_view key) {
        if (key == "url") return !s.url.empty();
        if (key == "from") return !s.from.empty();
        if (key == "to") return !s.to.empty();
        if (key == "secret_file") return !s.secret_file.empty();
        if (key == "token_file") return !s.token_file.empty();
        return n[std::string(key)].IsDefined();
    };
    for (const auto key : spec->required)
        if (!has(key)) c.error(n, path + "." + std::string(key), "required for a " + std::string(spec->word) + " sink");
    if (!s.url.empty() && !spec->url_schemes.empty() &&
        std::none_of(spec->url_schemes.begin(), spec->url_schemes.end(),
                     [&](std::string_view scheme) { return s.url.rfind(scheme, 0) == 0; }))
        c.error(n["url"], path + ".url", std::string(spec->url_hint));
    if (spec->check)
        for (const auto& [key, why] : spec->check(s)) {
            const YAML::Node at = n[key];
            c.error(at.IsDefined() ? at : n, path + "." + key, why);
        }
    d.sinks.push_back(std::move(s));
}

bool sink_exists(const DeliverySettings& d, const std::string& name) {
    return std::any_of(d.sinks.begin(), d.sinks.end(), [&](const SinkSettings& s) { return s.name == name; });
}

void check_sink_names(MapReader& c, const YAML::Node& at, const std::string& path, const std::vector<std::string>& names,
                      const DeliverySettings& d) {
    if (names.empty()) c.error(at, path, "names no sink");
    for (const auto& n : names)
        if (!sink_exists(d, n)) {
            Keys defined;
            for (const auto& s : d.sinks) defined.push_back(s.name);
            c.error(at, path, "names sink '" + n + "', which is not defined under delivery.sinks (defined: " + words(defined) + ")");
        }
}

void load_route(MapReader& c, const YAML::Node& n, const std::string& path, DeliverySettings& d) {
    if (!c.check_map(n, path, kRouteKeys)) return;
    RouteSettings r;
    if (auto v = c.list(n, path, "kind")) r.kinds = *v;
    if (auto v = c.list(n, path, "severity")) r.severities = *v;
    if (auto v = c.list(n, path, "reason")) r.reasons = *v;
    if (auto v = c.list(n, path, "rule")) r.rules = *v;
    if (auto v = c.flag(n, path, "escalation"))
        r.escalation = *v ? EscalationMatch::only_escalations : EscalationMatch::no_escalations;
    if (auto v = c.flag(n, path, "digest")) r.digest = *v;
    for (const auto& k : r.kinds)
        if (!known({"write", "internal", "digest"}, k))
            c.error(n["kind"], path + ".kind", "'" + k + "' is not write, internal or digest");
    for (const auto& s : r.severities)
        if (!severity_from_string(s)) c.error(n["severity"], path + ".severity", "'" + s + "' is not info, review, high or urgent");
    for (const auto& s : r.reasons)
        if (!reason_from_string(s) && !condition::known(s))
            c.error(n["reason"], path + ".reason",
                    "'" + s + "' is not a reason (unauthorised_write, unknown_writer, unreviewed_overdue, "
                    "unreviewed_escalated, unparseable_message, review_tracked, content_rule, "
                    "patient_visible_before_review, processor_drift, not_update_record, implausible_time, "
                    "review_refused) or an internal "
                    "condition (" + words(internal_conditions()) + ")");
    auto sinks = c.list(n, path, "sinks");
    if (!sinks) return c.error(n, path + ".sinks", "required setting is missing (the sinks this route delivers to)");
    r.sinks = *sinks;
    check_sink_names(c, n["sinks"], path + ".sinks", r.sinks, d);
    d.routes.push_back(std::move(r));
}

void load_internal(MapReader& c, const YAML::Node& n, const std::string& path, InternalAlertSettings& in) {
    if (!c.check_map(n, path, kInternalKeys)) return;
    if (auto v = c.flag(n, path, "enabled")) in.enabled = *v;
    if (auto v = seconds(c, n, path, "feed_disconnected_after")) in.feed_disconnected_after = *v;
    if (auto v = seconds(c, n, path, "mesh_unreachable_after")) in.mesh_unreachable_after = *v;
    if (auto v = bytes(c, n, path, "disk_free_min")) in.disk_free_min_bytes = *v;
    if (auto v = c.count(n, path, "outbox_backlog_max", 1, 1000000)) in.outbox_backlog_max = *v;
    if (auto v = seconds(c, n, path, "outbox_oldest_max")) in.outbox_oldest_max = *v;
    if (auto v = seconds(c, n, path, "check_every")) in.check_every = *v;
    if (auto v = c.flag(n, path, "notify_on_clear")) in.notify_on_clear = *v;
}

}  // namespace

void load_delivery_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                           Settings& st, std::vector<SettingsError>& errors) {
    std::vector<SettingsError> warnings;  // delivery: has none to give (load_delivery_section takes none)
    MapReader c{file, base_dir, errors, warnings};
    DeliverySettings d;
    const std::string path = "delivery";
    if (node.IsDefined() && !node.IsNull() && c.check_map(node, path, kDeliveryKeys)) {
        d.configured = true;
        const YAML::Node sinks = node["sinks"];
        if (sinks.IsDefined() && !sinks.IsNull()) {
            if (!sinks.IsSequence())
                c.error(sinks, path + ".sinks", "should be a list of sinks (lines starting with '- ')");
            else
                for (std::size_t i = 0; i < sinks.size(); ++i)
                    load_sink(c, sinks[i], path + ".sinks[" + std::to_string(i) + "]", d);
        }
        const YAML::Node routes = node["routes"];
        if (routes.IsDefined() && !routes.IsNull()) {
            if (!routes.IsSequence())
                c.error(routes, path + ".routes", "should be a list of routes (lines starting with '- ')");
            else
                for (std::size_t i = 0; i < routes.size(); ++i)
                    load_route(c, routes[i], path + ".routes[" + std::to_string(i) + "]", d);
        }
        if (auto v = c.list(node, path, "default_sinks")) {
            d.default_sinks = *v;
            check_sink_names(c, node["default_sinks"], path + ".default_sinks", d.default_sinks, d);
        }
        if (auto v = seconds(c, node, path, "digest_window")) d.digest_window = *v;
        if (auto v = c.flag(node, path, "quiet_hours")) d.quiet_hours = *v;
        if (auto v = seconds(c, node, path, "backlog_digest_after")) d.backlog_digest_after = *v;
        if (auto v = c.count(node, path, "backlog_digest_min", 2, 100000)) d.backlog_digest_min = *v;
        if (auto v = c.count(node, path, "flood_limit", 1, 100000)) d.flood_limit = *v;
        if (auto v = seconds(c, node, path, "flood_window")) d.flood_window = *v;
        const YAML::Node internal = node["internal"];
        if (internal.IsDefined() && !internal.IsNull()) load_internal(c, internal, path + ".internal", d.internal);
    }
    // No sinks written (no delivery: section, or one that sets only times): alerts about writes
    // go to the duty inbox Maildir, internal alerts about gpwatchd itself to the admin inbox
    // Maildir, never to the duty GP.
    if (d.sinks.empty()) {
        SinkSettings duty;  // maildir, from and to empty: duty_inbox:'s
        duty.name = "duty_inbox";
        duty.type = SinkType::maildir;
        d.sinks.push_back(std::move(duty));
        SinkSettings admin;  // admin_inbox:'s
        admin.name = "admin_inbox";
        admin.type = SinkType::maildir;
        admin.inbox = "admin";
        d.sinks.push_back(std::move(admin));
        if (d.routes.empty()) {
            RouteSettings internal;
            internal.kinds = {"internal"};
            internal.sinks = {"admin_inbox"};
            d.routes.push_back(std::move(internal));
        }
    }
    if (d.default_sinks.empty()) d.default_sinks = {d.sinks.front().name};
    st.delivery = std::move(d);
}

}  // namespace gpwatch
