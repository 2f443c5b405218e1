#pragma once
// The sink types gpwatchd can deliver alerts through, as data: which options each takes, which
// it needs, and the URL schemes it accepts. The settings loader (daemon/settings/delivery_section)
// checks every delivery.sinks entry against this table; the sink registry
// (daemon/alerts/sink_registry) builds each type. A new sink type is one entry here and one
// builder there, nothing else.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/delivery_settings.hpp"

namespace gpwatch {

struct SinkTypeSpec {
    SinkType type;
    std::string_view word;                        // to_string(type): how the settings write it
    std::vector<std::string_view> options;        // what it takes besides name and type
    std::vector<std::string_view> required;       // what it cannot do without
    std::vector<std::string_view> url_schemes;    // `url` must start with one of these
    std::string_view url_hint;                    // said when it does not
    // Checks that depend on several options at once (SMTP's auth and its credentials): each
    // problem as (option, words). Null: none.
    std::vector<std::pair<std::string, std::string>> (*check)(const SinkSettings&) = nullptr;
};

const std::vector<SinkTypeSpec>& sink_types();
// By the word the settings write (nullptr if none), or by type.
const SinkTypeSpec* find_sink_type(std::string_view word);
const SinkTypeSpec& sink_type_spec(SinkType type);
// "maildir, smtp, webhook or task": for messages.
std::string sink_type_words();

}  // namespace gpwatch
