#pragma once
// FhirNode: a FHIR STU3 element tree that serialises to either wire form, XML (namespace
// http://hl7.org/fhir, every primitive as <x value="…"/>) or JSON (resourceType, arrays for
// repeating elements), so one generated Update Record can be sent in both forms with the same
// meaning.

#include <string>
#include <string_view>
#include <vector>

namespace gpwatch::sim {

struct FhirNode {
    enum class Type { object, resource, string, number, boolean };

    std::string name;  // element name; for a resource, its type ("Patient")
    Type type = Type::object;
    std::string value;  // primitives: the value as written (numbers and booleans unquoted in JSON)
    std::string url;    // extensions: XML attribute, JSON property
    bool repeats = false;  // a 0..* element: always a JSON array, even with one item
    std::vector<FhirNode> children;

    FhirNode& add(FhirNode child) {
        children.push_back(std::move(child));
        return children.back();
    }
};

// Builders, so a resource reads close to its XML.
FhirNode fhir_object(std::string name, std::vector<FhirNode> children = {});
FhirNode fhir_list_item(std::string name, std::vector<FhirNode> children = {});  // a repeating element
FhirNode fhir_resource(std::string type, std::vector<FhirNode> children = {});
FhirNode fhir_string(std::string name, std::string value);
FhirNode fhir_number(std::string name, std::string value);
FhirNode fhir_boolean(std::string name, bool value);
FhirNode fhir_extension(std::string url, std::vector<FhirNode> children);
FhirNode fhir_coding(std::string_view system, std::string_view code, std::string_view display);  // repeating
FhirNode fhir_codeable(std::string name, std::string_view system, std::string_view code, std::string_view display,
                       bool repeats = false);
FhirNode fhir_reference(std::string name, std::string_view full_url, bool repeats = false);
FhirNode fhir_identifier(std::string_view system, std::string_view value);  // repeating

// The whole document, `root` being a resource. XML is indented two spaces like NHS England's
// examples; JSON is compact.
std::string to_fhir_xml(const FhirNode& root);
std::string to_fhir_json(const FhirNode& root);
// The same JSON laid out for people: two-space indent, "key": value, one member or item a line
// (the layout of Python's json.dump(indent=2)), numbers as written; for the test fixtures.
std::string to_fhir_json_indented(const FhirNode& root);

}  // namespace gpwatch::sim
