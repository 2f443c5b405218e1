#pragma once
// Where alerts go and when: the `delivery:` section of the settings (docs/configuration.md).
// daemon/settings/delivery_section parses it; daemon/alerts routes, holds and gathers alerts by it.
// Without a `delivery:` section every alert about a write goes at once to the duty inbox Maildir
// (duty_inbox:), and every internal alert about gpwatchd itself to the admin inbox Maildir
// (admin_inbox:), never to the duty GP.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpwatch {

// What a sink delivers through (delivery.sinks[].type; proto/sink_types.hpp says what each takes).
enum class SinkType { maildir, smtp, webhook, task };

// "maildir", "smtp", "webhook", "task": as written in the settings and shown in messages.
constexpr std::string_view to_string(SinkType t) {
    switch (t) {
        case SinkType::maildir: return "maildir";
        case SinkType::smtp: return "smtp";
        case SinkType::webhook: return "webhook";
        case SinkType::task: return "task";
    }
    return "?";
}

// One destination. Only the options of its type are used; the loader refuses the others.
struct SinkSettings {
    std::string name;  // what routes call it, e.g. duty_inbox, duty_smtp, pager
    SinkType type = SinkType::maildir;

    // maildir (defaults to the directory and addresses of the inbox it names: duty_inbox: or
    // admin_inbox:)
    std::string maildir;
    std::string inbox = "duty";  // duty | admin
    // maildir and smtp
    std::string from;
    std::vector<std::string> to;
    // smtp
    std::string url;                 // smtp://host:587 (STARTTLS) or smtps://host:465; also webhook/task url
    std::string auth = "plain";      // none | plain | login | xoauth2
    std::string username;
    std::string password_file;       // a file holding it (or "credential:NAME")
    std::string oauth2_token_file;
    // smtp, webhook, task
    std::string ca_file;
    // webhook
    std::string secret_file;
    // task
    std::string token_file;
    std::string list = "duty-doctor";
    bool operator==(const SinkSettings&) const = default;
};

// A route: alerts that match every condition written go to `sinks`. Every matching route
// contributes; an alert no route matches goes to DeliverySettings::default_sinks.
// Which alerts a route takes by escalation (routes[].escalation: true, false, or not written).
enum class EscalationMatch { either, only_escalations, no_escalations };

struct RouteSettings {
    std::vector<std::string> kinds;       // write | internal | digest; empty: any
    std::vector<std::string> severities;  // info | review | high | urgent; empty: any
    std::vector<std::string> reasons;     // unauthorised_write ... or an internal condition; empty: any
    std::vector<std::string> rules;       // content rule names; empty: any
    EscalationMatch escalation = EscalationMatch::either;
    std::vector<std::string> sinks;
    bool digest = false;                  // gather into a digest per digest_window, not one by one
    bool operator==(const RouteSettings&) const = default;
};

struct InternalAlertSettings {
    bool enabled = true;
    std::chrono::seconds feed_disconnected_after{std::chrono::minutes(10)};
    // MESH: no request has succeeded for this long (messages wait out MESH's 5-day expiry meanwhile).
    std::chrono::seconds mesh_unreachable_after{std::chrono::minutes(30)};
    std::uint64_t disk_free_min_bytes = 512ull * 1024 * 1024;
    std::int64_t outbox_backlog_max = 100;                    // pending deliveries
    std::chrono::seconds outbox_oldest_max{std::chrono::hours(1)};  // oldest pending delivery
    std::chrono::seconds check_every{std::chrono::seconds(30)};
    bool notify_on_clear = true;          // a second, "resolved" alert when a condition ends
    bool operator==(const InternalAlertSettings&) const = default;
};

struct DeliverySettings {
    bool configured = false;              // a delivery: section was written
    std::vector<SinkSettings> sinks;      // filled from duty_inbox: when not configured
    std::vector<RouteSettings> routes;
    std::vector<std::string> default_sinks;  // for alerts no route matches; default: the first sink
    std::chrono::seconds digest_window{std::chrono::minutes(5)};
    bool quiet_hours = false;             // hold non-urgent alerts outside working time
    // A sink that refused alerts for longer than this, and has at least backlog_digest_min of
    // them waiting, receives one digest of them instead of a flood.
    std::chrono::seconds backlog_digest_after{std::chrono::hours(1)};
    std::int64_t backlog_digest_min = 3;
    // No floods: a sink is sent at most flood_limit messages within any flood_window. When more
    // alerts than that fall due for one sink (a catch-up after downtime, a backlog replay, the
    // overdue checks after a restart), what is due goes as one digest listing each alert, and
    // what falls due in the next flood_window waits for the next digest. Every alert stays in the
    // ledger, counted, and in `gpwatchctl alerts`.
    std::int64_t flood_limit = 10;
    std::chrono::seconds flood_window{std::chrono::minutes(10)};
    InternalAlertSettings internal;
    bool operator==(const DeliverySettings&) const = default;
};

}  // namespace gpwatch
