#pragma once
// What one text frame of the clinical-system feed says, once parsed (docs/protocols.md section 2).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "proto/record_event.hpp"

namespace gpwatch::clinical_feed {

struct Heartbeat {
    std::uint64_t latest_seq = 0;
};

struct ServerError {
    std::string message;
};

// A frame that is valid JSON but not something this client understands (a future message type).
struct Unrecognised {
    std::string type;
};

// A frame that cannot be parsed at all, or an event missing a contract field.
struct Malformed {
    std::string why;
    std::uint64_t seq = 0;  // when the frame still carried a readable seq
};

using FeedMessage = std::variant<RecordEvent, Heartbeat, ServerError, Unrecognised, Malformed>;

// Parses RFC 3339 date-times with an offset ("2026-05-11T10:42:07+01:00", "...Z", fractions allowed).
bool parse_rfc3339(std::string_view text, SysSeconds& out);

}  // namespace gpwatch::clinical_feed
