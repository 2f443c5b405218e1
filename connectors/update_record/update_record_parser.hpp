#pragma once
// GP Connect Update Record: an ITK3 FHIR STU3 message (XML or JSON) into a RecordEvent.

#include <cstddef>
#include <string_view>

#include "proto/record_event.hpp"

namespace gpwatch::update_record {

struct ParseLimits {
    std::size_t max_bytes = 20 * 1024 * 1024;  // larger input is refused unread
    std::size_t max_depth = 64;                // element nesting
    std::size_t max_elements = 500000;
};

// Always returns an event with feed = Feed::update_record and kind one of:
//   entry_created      an ITK014M Update Record, every field below filled
//   not_update_record  a well-formed ITK3 message whose MessageHeader event is not ITK014M
//                      (entry_id = the Bundle identifier, sender filled if found; parse_error
//                      says which event it was)
//   unparseable        anything else; parse_error says what is wrong (no patient data in it),
//                      raw = the bytes
// XML or JSON is told by the first byte that is not white space. Never throws.
RecordEvent parse_update_record(std::string_view bytes, const ParseLimits& limits = {});

}  // namespace gpwatch::update_record
