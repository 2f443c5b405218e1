#pragma once
// Builds the alert sinks the settings name (delivery.sinks; or the duty inbox Maildir alone),
// each checked before gpwatchd starts so a bad sink is a start-up error, not a silent loss.

#include <map>
#include <memory>
#include <string>

#include "proto/alert_sink.hpp"
#include "proto/settings.hpp"

namespace gpwatch::alerts {

using SinkSet = std::map<std::string, std::unique_ptr<AlertSink>>;

// Throws std::runtime_error naming the sink and what is wrong with it.
SinkSet build_sinks(const Settings& settings);

// Non-owning view for AlertOutbox.
std::map<std::string, AlertSink*> sink_pointers(const SinkSet& sinks);

}  // namespace gpwatch::alerts
