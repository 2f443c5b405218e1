#include "daemon/alerts/alert_router.hpp"

#include <algorithm>

namespace gpwatch::alerts {

namespace {

bool any_or(const std::vector<std::string>& allowed, const std::string& value) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

bool matches(const RouteSettings& r, const Alert& a) {
    if (!any_or(r.kinds, a.kind)) return false;
    if (!any_or(r.severities, to_string(a.severity))) return false;
    if (!any_or(r.reasons, reason_word(a))) return false;
    if (!r.rules.empty() && !any_or(r.rules, a.rule)) return false;
    if (r.escalation == EscalationMatch::only_escalations && !is_escalation(a)) return false;
    if (r.escalation == EscalationMatch::no_escalations && is_escalation(a)) return false;
    return true;
}

void add(std::vector<SinkChoice>& out, const std::string& sink, bool digest) {
    for (auto& c : out)
        if (c.sink == sink) {
            c.digest = c.digest && digest;  // at once wins over a digest
            return;
        }
    out.push_back({sink, digest});
}

}  // namespace

std::string reason_word(const Alert& a) {
    if (a.kind == "internal") return a.rule;
    return to_string(a.reason);
}

std::vector<SinkChoice> route(const DeliverySettings& settings, const Alert& alert) {
    std::vector<SinkChoice> out;
    for (const auto& r : settings.routes)
        if (matches(r, alert))
            for (const auto& s : r.sinks) add(out, s, r.digest);
    if (out.empty())
        for (const auto& s : settings.default_sinks) add(out, s, false);
    return out;
}

}  // namespace gpwatch::alerts
