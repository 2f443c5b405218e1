#pragma once
// The sink registry: one builder per sink type (proto/sink_types.hpp lists what each takes),
// turning the settings' delivery.sinks into sinks. Each is checked before gpwatchd starts, so a
// bad sink is a start-up error, not a silent loss. A new sink type is one entry in the registry.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "proto/alert_sink.hpp"
#include "proto/settings.hpp"

namespace gpwatch::alerts {

using SinkSet = std::map<std::string, std::unique_ptr<AlertSink>>;
// Builds one sink of its type; throws std::invalid_argument (or runtime_error) saying what is wrong.
using SinkBuilder = std::function<std::unique_ptr<AlertSink>(const Settings&, const SinkSettings&)>;

// Every builder, by type.
const std::map<SinkType, SinkBuilder>& sink_builders();

// Throws std::runtime_error naming the sink and what is wrong with it.
SinkSet build_sinks(const Settings& settings);

}  // namespace gpwatch::alerts
