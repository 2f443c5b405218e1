#pragma once
// FHIR JSON into the same FhirElement tree the XML reader makes, with Boost.JSON.

#include <string_view>

#include "connectors/update_record/fhir_element.hpp"

namespace gpwatch::update_record {

// Reads one FHIR resource written as JSON. FHIR JSON's conventions are undone so the tree matches
// the XML form: an object with `resourceType` becomes an element named by its type, wrapped in
// the element of the property that holds it ("resource", "contained"); an array becomes repeated
// children; numbers and booleans become their text; `_x` (a primitive's id and extensions) is
// merged into the element `x`, item by item for arrays.
FhirReadResult read_fhir_json(std::string_view bytes, const ReadLimits& limits);

}  // namespace gpwatch::update_record
