#include "daemon/alerts/digest_composer.hpp"

#include <algorithm>

#include "daemon/alerts/alert_router.hpp"

namespace gpwatch::alerts {

namespace {

// A flood digest carries the full text of this many alerts (the most severe); beyond that each is
// listed with its subject and patient, so one digest of thousands stays a readable size.
constexpr std::size_t kFloodFullTexts = 100;

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

std::string opening(DigestCause cause, std::size_t count) {
    switch (cause) {
        case DigestCause::window: return "These alerts arrived close together and are sent as one message.\n";
        case DigestCause::backlog:
            return "These alerts could not be delivered for a while (the destination was unreachable); "
                   "they are sent together now rather than as a flood. Nothing was lost.\n";
        case DigestCause::flood:
            return "More alerts fell due at once than gpwatch sends one by one (a catch-up after downtime, "
                   "a backlog of old events, or the review checks after a restart), so they come together "
                   "in this message, the most urgent first. Nothing was lost: " +
                   std::string(count <= kFloodFullTexts
                                   ? "each is below in full, and "
                                   : "each is listed, the " + std::to_string(kFloodFullTexts) +
                                         " most urgent are below in full, ") +
                   "'gpwatchctl alerts' lists them all. Alerts that fall due in the next few minutes come in "
                   "the next digest.\n";
    }
    return "";
}

// "Patient:  NHS number 943 476 5919" out of an alert's body, or "".
std::string patient_line(const std::string& body) {
    const auto at = body.find("\nPatient:");
    if (at == std::string::npos) return "";
    const auto end = body.find('\n', at + 1);
    return body.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

}  // namespace

Alert compose_digest(const std::vector<Alert>& given, DigestCause cause, std::int64_t now) {
    std::vector<Alert> alerts = given;
    if (cause == DigestCause::flood)
        std::stable_sort(alerts.begin(), alerts.end(),
                         [](const Alert& a, const Alert& b) { return a.severity > b.severity; });
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
    d.subject = "[" + upper(to_string(d.severity)) + "] gpwatch digest: " + std::to_string(alerts.size()) + " alerts";
    if (cause == DigestCause::flood) {
        // How many of each severity, loudest first: "(3 urgent, 40 high)".
        std::string counts;
        for (auto sev : {Severity::urgent, Severity::high, Severity::review, Severity::info}) {
            const auto n = std::count_if(alerts.begin(), alerts.end(), [&](const Alert& a) { return a.severity == sev; });
            if (n) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + to_string(sev);
        }
        d.subject += " at once (" + counts + ")";
    } else if (one_reason) {
        d.subject += " (" + reason_word(alerts.front()) + ")";
    }

    std::string b;
    b += opening(cause, alerts.size());
    b += "\n";
    // Every alert listed; a flood's list also says whose record each is about (its "Patient:"
    // line), as its full text may be further down or, past the first ones, left to gpwatchctl.
    for (const auto& a : alerts) {
        b += "  - alert " + std::to_string(a.id) + ": " + a.subject;
        if (cause == DigestCause::flood)
            if (const auto p = patient_line(a.body); !p.empty()) b += "\n      " + p;
        b += "\n";
    }
    const std::size_t full = cause == DigestCause::flood ? std::min(alerts.size(), kFloodFullTexts) : alerts.size();
    if (full < alerts.size())
        b += "\nThe " + std::to_string(full) + " most urgent are below in full; 'gpwatchctl alerts' and the clinical "
             "system hold the rest.\n";
    for (std::size_t i = 0; i < full; ++i) {
        const auto& a = alerts[i];
        b += "\n======== alert " + std::to_string(a.id) + " ========\n";
        b += a.subject + "\n\n" + a.body;
        if (!a.body.empty() && a.body.back() != '\n') b += "\n";
    }
    d.body = std::move(b);
    return d;
}

}  // namespace gpwatch::alerts
