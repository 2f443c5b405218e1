#pragma once
// FhirElement: one FHIR element, read from either wire form into the same shape, so that the
// Update Record rules are written once and an XML message and its JSON twin mean the same thing.
//
// The shape follows the XML form: a resource is an element named by its type ("Patient") inside
// its container element ("resource", "contained"); a primitive carries `value`; a repeating element
// is several children with the same name (a JSON array becomes that); XML attributes other than
// `value` (`url`, `id`) become children with a value, as they are properties in JSON.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpwatch::update_record {

struct FhirElement {
    std::string name;
    std::string value;  // a primitive's value as written; empty for complex elements
    std::vector<FhirElement> children;

    // The first child called `child_name`, or nullptr.
    const FhirElement* child(std::string_view child_name) const {
        for (const auto& c : children)
            if (c.name == child_name) return &c;
        return nullptr;
    }

    // The value of the first child called `child_name` (trimmed of surrounding white space, which
    // real senders leave in), or "" when there is none.
    std::string_view child_value(std::string_view child_name) const {
        const FhirElement* c = child(child_name);
        if (c == nullptr) return {};
        std::string_view v = c->value;
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n'))
            v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
            v.remove_suffix(1);
        return v;
    }

    // Calls f(child) for each child called `child_name`, in document order.
    template <typename F>
    void each(std::string_view child_name, F&& f) const {
        for (const auto& c : children)
            if (c.name == child_name) f(c);
    }

    // The resource held by a container element ("resource"): its only element child.
    const FhirElement* resource() const { return children.size() == 1 ? &children.front() : nullptr; }
};

// Bounds a reader enforces while it builds the tree, so hostile input costs bounded memory and
// stack: the tree is walked recursively later, so its depth must be known to be small.
struct ReadLimits {
    std::size_t max_depth = 64;        // element nesting, the root being depth 1
    std::size_t max_elements = 500000;  // FhirElements created, over the whole document
};

// What a reader makes of the bytes: the root resource, or why there is none.
struct FhirReadResult {
    bool ok = false;
    FhirElement root;
    std::string error;  // when !ok: what is wrong, with a byte offset where the reader knows one
};

}  // namespace gpwatch::update_record
