#include "sim/mesh/update_record_fhir.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace gpwatch::sim {

namespace json = boost::json;

FhirNode fhir_object(std::string name, std::vector<FhirNode> children) {
    FhirNode n;
    n.name = std::move(name);
    n.children = std::move(children);
    return n;
}

FhirNode fhir_list_item(std::string name, std::vector<FhirNode> children) {
    FhirNode n = fhir_object(std::move(name), std::move(children));
    n.repeats = true;
    return n;
}

FhirNode fhir_resource(std::string type, std::vector<FhirNode> children) {
    FhirNode n = fhir_object(std::move(type), std::move(children));
    n.type = FhirNode::Type::resource;
    return n;
}

FhirNode fhir_string(std::string name, std::string value) {
    FhirNode n;
    n.name = std::move(name);
    n.type = FhirNode::Type::string;
    n.value = std::move(value);
    return n;
}

FhirNode fhir_number(std::string name, std::string value) {
    FhirNode n = fhir_string(std::move(name), std::move(value));
    n.type = FhirNode::Type::number;
    return n;
}

FhirNode fhir_boolean(std::string name, bool value) {
    FhirNode n = fhir_string(std::move(name), value ? "true" : "false");
    n.type = FhirNode::Type::boolean;
    return n;
}

FhirNode fhir_extension(std::string url, std::vector<FhirNode> children) {
    FhirNode n = fhir_list_item("extension", std::move(children));
    n.url = std::move(url);
    return n;
}

FhirNode fhir_coding(std::string_view system, std::string_view code, std::string_view display) {
    return fhir_list_item("coding", {fhir_string("system", std::string(system)), fhir_string("code", std::string(code)),
                                     fhir_string("display", std::string(display))});
}

FhirNode fhir_codeable(std::string name, std::string_view system, std::string_view code, std::string_view display,
                       bool repeats) {
    FhirNode n = fhir_object(std::move(name), {fhir_coding(system, code, display), fhir_string("text", std::string(display))});
    n.repeats = repeats;
    return n;
}

FhirNode fhir_reference(std::string name, std::string_view full_url, bool repeats) {
    FhirNode n = fhir_object(std::move(name), {fhir_string("reference", std::string(full_url))});
    n.repeats = repeats;
    return n;
}

FhirNode fhir_identifier(std::string_view system, std::string_view value) {
    return fhir_list_item("identifier", {fhir_string("system", std::string(system)), fhir_string("value", std::string(value))});
}

namespace {

void escape_xml(std::string_view s, std::string& out) {
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out.push_back(c);
        }
    }
}

void write_xml(const FhirNode& n, std::string& out, int depth, bool root) {
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += '<';
    out += n.name;
    if (root) out += " xmlns=\"http://hl7.org/fhir\"";
    if (n.type == FhirNode::Type::object || n.type == FhirNode::Type::resource) {
        if (!n.url.empty()) {
            out += " url=\"";
            escape_xml(n.url, out);
            out += '"';
        }
        out += ">\n";
        for (const auto& c : n.children) write_xml(c, out, depth + 1, false);
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
        out += "</";
        out += n.name;
        out += ">\n";
    } else {
        out += " value=\"";
        escape_xml(n.value, out);
        out += "\" />\n";
    }
}

json::value to_json(const FhirNode& n);

json::object members(const FhirNode& n) {
    json::object o;
    if (n.type == FhirNode::Type::resource) o["resourceType"] = n.name;
    if (!n.url.empty()) o["url"] = n.url;
    for (const auto& c : n.children) {
        json::value v = to_json(c);
        if (c.repeats) {
            json::value& slot = o[c.name];
            if (!slot.is_array()) slot = json::array();
            slot.as_array().push_back(std::move(v));
        } else {
            o[c.name] = std::move(v);
        }
    }
    return o;
}

json::value to_json(const FhirNode& n) {
    switch (n.type) {
    case FhirNode::Type::string: return json::value(n.value);
    case FhirNode::Type::boolean: return json::value(n.value == "true");
    case FhirNode::Type::number: return json::parse(n.value);
    case FhirNode::Type::resource: return members(n);
    case FhirNode::Type::object:
        // FHIR JSON has no wrapper for a contained resource: "resource": {"resourceType": …}.
        if (n.children.size() == 1 && n.children.front().type == FhirNode::Type::resource)
            return members(n.children.front());
        return members(n);
    }
    return nullptr;
}

void write_indented(const json::value& v, std::string& out, int depth) {
    const auto newline = [&out](int d) {
        out += '\n';
        out.append(static_cast<std::size_t>(d) * 2, ' ');
    };
    if (v.is_object()) {
        const json::object& o = v.get_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& kv : o) {
            if (!first) out += ',';
            first = false;
            newline(depth + 1);
            out += json::serialize(json::string(kv.key()));
            out += ": ";
            write_indented(kv.value(), out, depth + 1);
        }
        newline(depth);
        out += '}';
    } else if (v.is_array()) {
        const json::array& a = v.get_array();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const auto& item : a) {
            if (!first) out += ',';
            first = false;
            newline(depth + 1);
            write_indented(item, out, depth + 1);
        }
        newline(depth);
        out += ']';
    } else if (v.is_double()) {
        // Shortest round-trip form, keeping a fraction: 37.4, 2.0 (not Boost's 3.74E1).
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
        std::string s(buf, r.ptr);
        if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
        out += s;
    } else {
        out += json::serialize(v);
    }
}

}  // namespace

std::string to_fhir_xml(const FhirNode& root) {
    std::string out;
    write_xml(root, out, 0, true);
    return out;
}

std::string to_fhir_json(const FhirNode& root) { return json::serialize(to_json(root)); }

std::string to_fhir_json_indented(const FhirNode& root) {
    std::string out;
    write_indented(to_json(root), out, 0);
    out += '\n';
    return out;
}

}  // namespace gpwatch::sim
