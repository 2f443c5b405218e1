#pragma once
// Builds one FHIR STU3 JSON resource (as the clinical feed carries it in entry.resource) from a
// catalogue template.

#include <boost/json/object.hpp>

#include "sim/clinical/clinical_catalogue.hpp"
#include "sim/common/london_time.hpp"

namespace gpwatch::sim {

class SimRandom;

boost::json::object make_fhir_resource(const ResourceTemplate& t, SimRandom& rng, SysSeconds effective,
                                       bool nopat);

// The meta.security label that marks a resource as not for the patient's eyes.
boost::json::object nopat_meta();

}  // namespace gpwatch::sim
