#pragma once
// Routing: which sinks an alert goes to, and whether each takes it at once or gathered into a
// digest. Pure: settings and an alert in, choices out; no I/O, no clock.
//
// Every route whose conditions all match contributes its sinks; a sink named both at once and by
// digest takes it at once. An alert no route matches goes to delivery.default_sinks.

#include <string>
#include <vector>

#include "proto/alert.hpp"
#include "proto/delivery_settings.hpp"

namespace gpwatch::alerts {

struct SinkChoice {
    std::string sink;
    bool digest = false;
    bool operator==(const SinkChoice&) const = default;
};

std::vector<SinkChoice> route(const DeliverySettings& settings, const Alert& alert);

// The word silences and routes match an alert's reason by: the write reason
// ("unauthorised_write"...) or, for an internal alert, its condition ("feed_disconnected"...).
std::string reason_word(const Alert& alert);

// An escalation: the louder alert for a write still not reviewed long after its deadline. (Other
// follow-ups thread under a write's first alert too, but are no escalation.)
inline bool is_escalation(const Alert& alert) {
    return alert.kind == "write" && gpwatch::is_escalation(alert.reason);
}

}  // namespace gpwatch::alerts
