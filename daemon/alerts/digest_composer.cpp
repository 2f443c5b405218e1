#include "daemon/alerts/digest_composer.hpp"

#include <algorithm>

#include "daemon/alerts/alert_router.hpp"

namespace gpwatch::alerts {

Alert compose_digest(const std::vector<Alert>& alerts, DigestCause cause, std::int64_t now) {
    Alert d;
    d.kind = "digest";
    d.created_at = now;
    d.reason = alerts.front().reason;
    d.severity = alerts.front().severity;
    bool one_reason = true;
    for (const auto& a : alerts) {
        d.covers.push_back(a.id);
        d.severity = std::max(d.severity, a.severity);
        one_reason = one_reason && reason_word(a) == reason_word(alerts.front());
    }
    std::string sev = to_string(d.severity);
    std::transform(sev.begin(), sev.end(), sev.begin(), [](unsigned char c) { return std::toupper(c); });
    d.subject = "[" + sev + "] gpwatch digest: " + std::to_string(alerts.size()) + " alerts";
    if (one_reason) d.subject += " (" + reason_word(alerts.front()) + ")";

    std::string b;
    b += cause == DigestCause::window
             ? "These alerts arrived close together and are sent as one message.\n"
             : "These alerts could not be delivered for a while (the destination was unreachable); "
               "they are sent together now rather than as a flood. Nothing was lost.\n";
    b += "\n";
    for (const auto& a : alerts) b += "  - alert " + std::to_string(a.id) + ": " + a.subject + "\n";
    for (const auto& a : alerts) {
        b += "\n======== alert " + std::to_string(a.id) + " ========\n";
        b += a.subject + "\n\n" + a.body;
        if (!a.body.empty() && a.body.back() != '\n') b += "\n";
    }
    d.body = std::move(b);
    return d;
}

}  // namespace gpwatch::alerts
