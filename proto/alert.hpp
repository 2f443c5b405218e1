#pragma once
// Alert: one message for the duty inbox about one (write, reason). Built by daemon/alerts.

#include <cstdint>
#include <string>
#include <vector>

#include "proto/verdict.hpp"

namespace gpwatch {

// silenced: recorded and counted, held back from every sink by a silence (gpwatchctl silence).
enum class DeliveryState { pending, delivered, failed, silenced };

struct Alert {
    std::int64_t id = 0;        // ledger row id; also names the delivered message
    std::string ledger_id;      // the ledger's identity: with `id`, what names the alert to peers
                                // (Message-ID, task dedupe_key, webhook alert_key); set as the
                                // alert is handed to a sink
    std::int64_t write_id = 0;  // ledger row id of the write it is about
    Reason reason = Reason::unknown_writer;
    Severity severity = Severity::info;
    std::string subject;        // one line: severity, reason, who
    std::string body;           // plain text a GP takes in within ten seconds
    std::int64_t created_at = 0;  // unix seconds
    DeliveryState state = DeliveryState::pending;
    int attempts = 0;

    // What sinks other than the Maildir need (SMTP threading, webhook JSON, clinical-system task).
    // `kind`: "write" (about one third-party write), "internal" (about gpwatchd itself: feed down,
    // credentials refused, reload refused...; write_id 0) or "digest" (gathers `covers`).
    std::string kind = "write";
    std::string in_reply_to_alert;        // Message-ID (without <>) of the alert this one follows up
                                          // (an escalation of an earlier overdue alert), or empty
    std::string reply_carrier;            // Message-ID (without <>) of the digest that carried that
                                          // alert to this sink, when it went in one (set per sink, as
                                          // the delivery is handed over), or empty
    std::string rule;                     // name of the content rule that raised it, if any
    std::string feed;                     // clinical / update_record
    std::string upstream_id;              // entry id or Update Record message id
    std::string author_ods;
    std::string author_name;
    std::string nhs_number;               // for duty-inbox sinks only (SMTP, task); never logged,
                                          // never sent to a webhook
    std::vector<std::int64_t> covers;     // digest: the ids of the alerts it gathers
    std::string condition;                // internal: what it is about (feed_disconnected,
                                          // lmc_upload_refused...); `reason` means nothing then
};

const char* to_string(DeliveryState s);

// The reason as sinks name it (X-Gpwatch-Reason, the webhook's "reason"): an internal alert's
// condition, else the write's reason. Mail filters route on it.
std::string reason_name(const Alert& a);

// What names the alert to a peer that deduplicates (the webhook's alert_key): "<ledger id>-<id>",
// or the id alone without a ledger identity. Unlike the id alone it never repeats, even after a
// ledger was replaced or went back.
std::string alert_key(const Alert& a);

}  // namespace gpwatch
