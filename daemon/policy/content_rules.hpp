#pragma once
// Content rules, compiled once when the settings are loaded (Falco style): each rule's code sets
// become one hash set, its other conditions short lists. Matching does no I/O.

#include <string>
#include <unordered_set>
#include <vector>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"

namespace gpwatch::policy {

struct CompiledRule {
    const ContentRule* rule = nullptr;        // points into the Settings the rules were built from
    std::unordered_set<std::string> codes;    // union of its code sets; empty + has_codesets: never
    bool has_codesets = false;
};

class ContentRules {
public:
    explicit ContentRules(const Settings& settings);
    // The rules the write matches, in the order the settings list them.
    std::vector<const CompiledRule*> matching(const RecordEvent& ev) const;
    std::size_t size() const { return rules_.size(); }

private:
    std::vector<CompiledRule> rules_;
};

// True when `rule` matches the write (every condition it writes holds).
bool rule_matches(const CompiledRule& rule, const RecordEvent& ev);

// What made a matching rule match, as the alert names it: the first coding in one of its code
// sets (or, for a rule without code sets, the first coding of a resource type it lists, else the
// write's first coding), with the resource it came from. Empty when the write carries no coding.
Coding matched_coding(const CompiledRule& rule, const RecordEvent& ev);

}  // namespace gpwatch::policy
