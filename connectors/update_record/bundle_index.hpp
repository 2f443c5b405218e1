#pragma once
// A Bundle's entries by fullUrl, so references inside a message resolve the way FHIR says they
// do: a `urn:uuid:` reference names the entry whose fullUrl is that URN.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connectors/update_record/fhir_element.hpp"

namespace gpwatch::update_record {

struct BundleEntry {
    std::string_view full_url;
    const FhirElement* resource = nullptr;  // the resource element (named by its type)
};

class BundleIndex {
public:
    // Indexes `bundle`'s entries (not those of Bundles nested in them). An entry without exactly
    // one resource is an error, returned as text; "" when all is well. FHIR makes fullUrl unique
    // within one Bundle, and a repeated one would make references ambiguous: with
    // `unique_urls`, a fullUrl seen before in this index is an error too.
    std::string add(const FhirElement& bundle, bool unique_urls);

    const std::vector<BundleEntry>& entries() const { return entries_; }

    // The resource `reference` names: an entry's fullUrl, else a relative "Type/id" matching a
    // resource's type and id. nullptr when nothing matches.
    const FhirElement* find(std::string_view reference) const;

    // Resources of one type, in document order.
    std::vector<const FhirElement*> of_type(std::string_view type) const;

private:
    std::vector<BundleEntry> entries_;
    // fullUrl to resource (the first entry with it), so resolving every reference of a large
    // hostile message stays linear.
    std::unordered_map<std::string_view, const FhirElement*> by_url_;
};

// Every `reference` in `root` that is a URN (urn:uuid:, urn:oid:) must name an entry in `index`:
// such a reference can only ever mean an entry of the same message. Returns the first that names
// none, with the resource type it sits in, as an error text; "" when all resolve.
std::string check_urn_references(const FhirElement& root, const BundleIndex& index);

}  // namespace gpwatch::update_record
