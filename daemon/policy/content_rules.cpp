#include "daemon/policy/content_rules.hpp"

#include <algorithm>

namespace gpwatch::policy {

namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool any_code_in(const std::unordered_set<std::string>& set, const std::vector<Coding>& codes) {
    return std::any_of(codes.begin(), codes.end(), [&](const Coding& c) { return set.count(c.code) != 0; });
}

// The resource types a write carries: the entry's own, and (Update Record) each coding's resource.
bool resource_listed(const std::vector<std::string>& list, const RecordEvent& ev) {
    if (list.empty()) return true;
    const auto in = [&](const std::string& t) { return !t.empty() && std::find(list.begin(), list.end(), t) != list.end(); };
    if (in(ev.resource_type)) return true;
    for (const auto* codes : {&ev.codes, &ev.medicines, &ev.flags})
        for (const auto& c : *codes)
            if (in(c.resource)) return true;
    return false;
}

}  // namespace

ContentRules::ContentRules(const Settings& settings) {
    rules_.reserve(settings.rules.size());
    for (const auto& r : settings.rules) {
        CompiledRule c;
        c.rule = &r;
        c.has_codesets = !r.codesets.empty();
        for (const auto& name : r.codesets)
            if (const auto* set = settings.find_codeset(name)) c.codes.insert(set->codes.begin(), set->codes.end());
        rules_.push_back(std::move(c));
    }
}

bool rule_matches(const CompiledRule& c, const RecordEvent& ev) {
    const ContentRule& r = *c.rule;
    if (!listed(r.feeds, to_string(ev.feed))) return false;
    if (!listed(r.organisations, ev.author.ods)) return false;
    if (!listed(r.organisation_types, ev.author.org_type)) return false;
    if (!listed(r.routes, ev.route)) return false;
    if (!resource_listed(r.resource_types, ev)) return false;
    if (c.has_codesets && !any_code_in(c.codes, ev.codes) && !any_code_in(c.codes, ev.medicines) &&
        !any_code_in(c.codes, ev.flags))
        return false;
    return true;
}

Coding matched_coding(const CompiledRule& c, const RecordEvent& ev) {
    const auto& types = c.rule->resource_types;
    const auto type_ok = [&](const Coding& k) {
        const auto& t = k.resource.empty() ? ev.resource_type : k.resource;
        return types.empty() || std::find(types.begin(), types.end(), t) != types.end();
    };
    const auto with_resource = [&](Coding k) {
        if (k.resource.empty()) k.resource = ev.resource_type;
        return k;
    };
    // Flags and medicines first: in an Update Record the codes also hold the service and pathway.
    for (const auto* codes : {&ev.flags, &ev.medicines, &ev.codes})
        for (const auto& k : *codes)
            if ((c.has_codesets ? c.codes.count(k.code) != 0 : type_ok(k))) return with_resource(k);
    for (const auto* codes : {&ev.codes, &ev.flags, &ev.medicines})
        if (!codes->empty()) return with_resource(codes->front());
    return {};
}

std::vector<const CompiledRule*> ContentRules::matching(const RecordEvent& ev) const {
    std::vector<const CompiledRule*> out;
    for (const auto& r : rules_)
        if (rule_matches(r, ev)) out.push_back(&r);
    return out;
}

}  // namespace gpwatch::policy
