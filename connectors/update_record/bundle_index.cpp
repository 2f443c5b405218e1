#include "connectors/update_record/bundle_index.hpp"

#include <cctype>

#include "connectors/update_record/error_text.hpp"

namespace gpwatch::update_record {
namespace {

bool is_resource(const FhirElement& e) {
    // FHIR element names are lowerCamelCase and resource types UpperCamelCase: in this tree an
    // element starting with a capital is a resource.
    return !e.name.empty() && std::isupper(static_cast<unsigned char>(e.name.front()));
}

std::string urn_problem(const FhirElement& e, std::string_view resource_type, const BundleIndex& index) {
    if (e.name == "reference") {
        const std::string_view ref = e.value;
        if ((ref.starts_with("urn:uuid:") || ref.starts_with("urn:oid:")) && index.find(ref) == nullptr)
            return "reference " + error_excerpt(ref, 80) + " in " + error_excerpt(resource_type) +
                   " points to no entry of the message";
    }
    const std::string_view inner = is_resource(e) ? std::string_view(e.name) : resource_type;
    for (const FhirElement& c : e.children)
        if (std::string p = urn_problem(c, inner, index); !p.empty()) return p;
    return {};
}

}  // namespace

std::string BundleIndex::add(const FhirElement& bundle, bool unique_urls) {
    std::size_t n = 0;
    for (const FhirElement& entry : bundle.children) {
        if (entry.name != "entry") continue;
        ++n;
        const FhirElement* container = entry.child("resource");
        const FhirElement* resource = container ? container->resource() : nullptr;
        if (resource == nullptr || !is_resource(*resource))
            return "entry " + std::to_string(n) + " of the " + error_excerpt(bundle.child_value("type")) +
                   " Bundle holds no resource";
        const std::string_view url = entry.child_value("fullUrl");
        entries_.push_back({url, resource});
        if (url.empty()) continue;
        if (!by_url_.emplace(url, resource).second && unique_urls)
            return "two entries of the " + error_excerpt(bundle.child_value("type")) + " Bundle have the fullUrl " +
                   error_excerpt(url, 80);
    }
    return {};
}

const FhirElement* BundleIndex::find(std::string_view reference) const {
    if (reference.empty()) return nullptr;
    if (const auto it = by_url_.find(reference); it != by_url_.end()) return it->second;
    const std::size_t slash = reference.find('/');
    if (slash == std::string_view::npos || reference.find(':') != std::string_view::npos) return nullptr;
    const std::string_view type = reference.substr(0, slash), id = reference.substr(slash + 1);
    for (const BundleEntry& e : entries_)
        if (e.resource->name == type && e.resource->child_value("id") == id) return e.resource;
    return nullptr;
}

std::vector<const FhirElement*> BundleIndex::of_type(std::string_view type) const {
    std::vector<const FhirElement*> out;
    for (const BundleEntry& e : entries_)
        if (e.resource->name == type) out.push_back(e.resource);
    return out;
}

std::string check_urn_references(const FhirElement& root, const BundleIndex& index) {
    return urn_problem(root, root.name, index);
}

}  // namespace gpwatch::update_record
