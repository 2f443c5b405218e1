#include "connectors/webhook/webhook_payload.hpp"

#include <ctime>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "connectors/mail/rfc5322.hpp"

namespace gpwatch::webhook {

namespace {

std::string rfc3339_utc(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

std::string payload_json(const Alert& a, const std::string& practice_ods) {
    boost::json::array covers;
    for (auto id : a.covers) covers.push_back(id);
    // Built field by field from an allow-list: a field added to Alert later (or nhs_number and
    // body today) cannot leak into the document by accident.
    boost::json::object doc{
        {"practice", practice_ods},
        {"alert_id", a.id},
        // The receiver's idempotency key: alert_id alone may repeat after the ledger was replaced.
        {"alert_key", alert_key(a)},
        {"kind", a.kind},
        {"reason", reason_name(a)},
        {"severity", to_string(a.severity)},
        {"rule", a.rule},
        {"feed", a.feed},
        {"upstream_id", a.upstream_id},
        {"author", boost::json::object{{"ods", a.author_ods}, {"name", a.author_name}}},
        {"subject", a.subject},
        {"created_at", rfc3339_utc(a.created_at)},
        {"in_reply_to_alert", a.in_reply_to_alert},
        // Every alert about one write carries its first alert's Message-ID: a receiver groups by it.
        {"thread_id", a.in_reply_to_alert.empty() ? mail::bare_message_id(a.id, a.ledger_id, practice_ods) : a.in_reply_to_alert},
        {"covers", std::move(covers)},
    };
    return boost::json::serialize(doc);
}

}  // namespace gpwatch::webhook
