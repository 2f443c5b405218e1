#pragma once
// The coded items a FHIR resource carries, and its NOPAT mark.

#include <string_view>
#include <vector>

#include "connectors/update_record/fhir_element.hpp"
#include "proto/record_event.hpp"

namespace gpwatch::update_record {

// Appends every Coding inside `resource` (CodeableConcept codings, and Coding-typed elements such
// as meta.security, meta.tag, valueCoding), in document order, each with `resource` set to the
// type of the resource it sits in (a contained resource gives its own type). Codings without a
// code are skipped: nothing can match them.
void collect_codings(const FhirElement& resource, std::vector<Coding>& out);

// The codings of one CodeableConcept (or Coding) element, tagged with `resource_type`.
void concept_codings(const FhirElement& codeable, std::string_view resource_type, std::vector<Coding>& out);

// True when the resource's meta.security holds the v3 ActCode NOPAT ("not for the patient").
bool has_nopat(const FhirElement& resource);

}  // namespace gpwatch::update_record
