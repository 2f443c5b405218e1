#pragma once
// FHIR's date and dateTime text into a point in time.

#include <optional>
#include <string_view>

#include "proto/record_event.hpp"

namespace gpwatch::update_record {

// Reads a FHIR dateTime precise to at least the day: "YYYY-MM-DD", or
// "YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)" (fractions are dropped, as RecordEvent keeps
// seconds). A bare date is taken as midnight UTC: it says which day, and a review deadline counts
// working days. A year or year-month alone, or a time without a zone (which FHIR forbids), is
// nullopt: too vague to pin a write to, and gpwatch does not guess.
std::optional<SysSeconds> parse_fhir_datetime(std::string_view s);

}  // namespace gpwatch::update_record
