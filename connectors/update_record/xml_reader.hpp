#pragma once
// FHIR XML (namespace http://hl7.org/fhir) into a FhirElement tree, with pugixml.

#include <string_view>

#include "connectors/update_record/fhir_element.hpp"

namespace gpwatch::update_record {

// Reads one FHIR resource written as XML. Only UTF-8 is accepted (a UTF-8 byte-order mark is
// skipped). A document with a DOCTYPE is refused whole, so no DTD, internal entity or external
// entity is ever read; an entity reference other than XML's five and character references is an
// error too. Elements outside the FHIR namespace are refused, except the XHTML narrative `div`,
// which is kept as an empty element (its text is free text, never a coded item).
FhirReadResult read_fhir_xml(std::string_view bytes, const ReadLimits& limits);

}  // namespace gpwatch::update_record
