#include "connectors/update_record/fhir_codings.hpp"

#include <cctype>

namespace gpwatch::update_record {
namespace {

bool is_resource(const FhirElement& e) {
    return !e.name.empty() && std::isupper(static_cast<unsigned char>(e.name.front()));
}

bool primitive_child(const FhirElement& e, std::string_view name) {
    const FhirElement* c = e.child(name);
    return c != nullptr && !c->value.empty();
}

// A Coding is `coding` inside a CodeableConcept, or an element shaped like one: primitive system
// and code, and no value or unit (which would make it a Quantity, whose system+code is a unit).
bool is_coding(const FhirElement& e) {
    if (e.name == "coding") return true;
    return primitive_child(e, "system") && primitive_child(e, "code") && e.child("value") == nullptr &&
           e.child("unit") == nullptr;
}

Coding make_coding(const FhirElement& e, std::string_view resource_type) {
    return Coding{std::string(e.child_value("system")), std::string(e.child_value("code")),
                  std::string(e.child_value("display")), std::string(resource_type)};
}

void walk(const FhirElement& e, std::string_view resource_type, std::vector<Coding>& out) {
    for (const FhirElement& c : e.children) {
        if (is_resource(c)) {
            walk(c, c.name, out);
        } else if (is_coding(c)) {
            if (!c.child_value("code").empty()) out.push_back(make_coding(c, resource_type));
        } else {
            walk(c, resource_type, out);
        }
    }
}

}  // namespace

void collect_codings(const FhirElement& resource, std::vector<Coding>& out) { walk(resource, resource.name, out); }

void concept_codings(const FhirElement& codeable, std::string_view resource_type, std::vector<Coding>& out) {
    if (is_coding(codeable)) {
        if (!codeable.child_value("code").empty()) out.push_back(make_coding(codeable, resource_type));
        return;
    }
    codeable.each("coding", [&](const FhirElement& c) {
        if (!c.child_value("code").empty()) out.push_back(make_coding(c, resource_type));
    });
}

bool has_nopat(const FhirElement& resource) {
    const FhirElement* meta = resource.child("meta");
    if (meta == nullptr) return false;
    bool found = false;
    meta->each("security", [&](const FhirElement& s) {
        const std::string_view system = s.child_value("system");
        // STU3's URI for v3 ActCode, and the one R4 onwards uses; a sender may use either.
        const bool actcode = system.empty() || system == "http://hl7.org/fhir/v3/ActCode" ||
                             system == "http://terminology.hl7.org/CodeSystem/v3-ActCode";
        if (actcode && s.child_value("code") == "NOPAT") found = true;
    });
    return found;
}

}  // namespace gpwatch::update_record
