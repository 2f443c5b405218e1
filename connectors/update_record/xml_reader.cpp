#include "connectors/update_record/xml_reader.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "connectors/update_record/error_text.hpp"

namespace gpwatch::update_record {
namespace {

constexpr std::string_view kFhirNs = "http://hl7.org/fhir";
constexpr std::string_view kXhtmlNs = "http://www.w3.org/1999/xhtml";
constexpr std::size_t kMaxNamespaces = 256;

std::string clip(std::string_view s) { return error_excerpt(s); }

// Offset of the first byte that is not part of well-formed UTF-8, or npos. pugixml passes bytes
// through unchecked, and everything downstream (SQLite, JSON output, e-mail) expects UTF-8.
std::size_t first_invalid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) { ++i; continue; }
        std::size_t n;
        std::uint32_t cp;
        if ((b & 0xE0) == 0xC0) { n = 2; cp = b & 0x1F; }
        else if ((b & 0xF0) == 0xE0) { n = 3; cp = b & 0x0F; }
        else if ((b & 0xF8) == 0xF0) { n = 4; cp = b & 0x07; }
        else return i;
        if (i + n > s.size()) return i;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (c & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += n;
    }
    return std::string_view::npos;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// pugixml is told not to expand references, so that an undeclared entity (`&xxe;`), which it
// would otherwise leave in the text silently, is an error here. XML's five predefined entities
// and character references are the only ones a document without a DTD can use.
bool unescape(std::string_view in, std::string& out, std::string& error) {
    out.clear();
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        if (in[i] != '&') { out += in[i++]; continue; }
        const std::size_t semi = in.find(';', i);
        if (semi == std::string_view::npos || semi - i > 12) {
            error = "a bare '&' or an over-long reference near '" + clip(in.substr(i)) + "'";
            return false;
        }
        const std::string_view ref = in.substr(i + 1, semi - i - 1);
        if (ref == "amp") out += '&';
        else if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref.size() >= 2 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            const std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty()) { error = "an empty character reference"; return false; }
            std::uint32_t cp = 0;
            for (char c : digits) {
                int d;
                if (c >= '0' && c <= '9') d = c - '0';
                else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
                else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
                else { error = "a malformed character reference '&" + clip(ref) + ";'"; return false; }
                cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
                if (cp > 0x10FFFF) { error = "a character reference past U+10FFFF"; return false; }
            }
            // XML 1.0 Char: no NUL, no other C0 control but tab/LF/CR, no surrogates, no FFFE/FFFF.
            const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                                 (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
            if (!allowed) { error = "a character reference to a character XML does not allow"; return false; }
            append_utf8(out, cp);
        } else {
            error = "the undeclared entity reference '&" + clip(ref) + ";' (no DTD is read, so no entity can be declared)";
            return false;
        }
        i = semi + 1;
    }
    return true;
}

struct Namespace {
    std::string prefix;  // "" for the default namespace
    std::string uri;
};

class Converter {
public:
    explicit Converter(const ReadLimits& limits) : limits_(limits) {}

    bool convert(const pugi::xml_node& node, FhirElement& out, std::size_t depth) {
        if (depth > limits_.max_depth)
            return fail("elements are nested deeper than " + std::to_string(limits_.max_depth), node);
        if (++elements_ > limits_.max_elements)
            return fail("more than " + std::to_string(limits_.max_elements) + " elements", node);

        // Namespace declarations on this element are in scope for it and its descendants.
        const std::size_t scope_mark = scope_.size();
        for (const pugi::xml_attribute& a : node.attributes()) {
            const std::string_view name = a.name();
            if (name == "xmlns") scope_.push_back({"", a.value()});
            else if (name.starts_with("xmlns:")) scope_.push_back({std::string(name.substr(6)), a.value()});
        }
        // FHIR XML needs one or two namespaces (a few per level when every resource redeclares them);
        // thousands would make every name lookup slow.
        if (scope_.size() > kMaxNamespaces)
            return fail("more than " + std::to_string(kMaxNamespaces) + " namespace declarations in scope", node);
        const bool ok = convert_in_scope(node, out, depth);
        scope_.resize(scope_mark);
        return ok;
    }

    std::string error;

private:
    bool convert_in_scope(const pugi::xml_node& node, FhirElement& out, std::size_t depth) {
        const std::string_view qname = node.name();
        const std::size_t colon = qname.find(':');
        const std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : qname.substr(0, colon);
        const std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
        const std::string_view ns = lookup(prefix);
        if (ns == kXhtmlNs && local == "div") {
            // Narrative: free text for people, nothing gpwatch reads. Kept as a marker only.
            out.name = "div";
            return true;
        }
        if (ns != kFhirNs) {
            if (ns.empty())
                return fail("element '" + clip(qname) + "' is in no namespace (FHIR XML uses " + std::string(kFhirNs) + ")", node);
            return fail("element '" + clip(qname) + "' is in namespace '" + clip(ns) + "', not " + std::string(kFhirNs), node);
        }
        out.name = std::string(local);

        std::string text;
        for (const pugi::xml_attribute& a : node.attributes()) {
            const std::string_view name = a.name();
            if (name == "xmlns" || name.starts_with("xmlns:")) continue;
            // Prefixed attributes (xsi:schemaLocation, say) are not FHIR content.
            if (name.find(':') != std::string_view::npos) continue;
            if (!unescape(a.value(), text, error)) return fail("attribute '" + clip(name) + "' holds " + error, node);
            if (name == "value") {
                out.value = text;
            } else {
                // `url` on an extension and `id` on any element are JSON properties: children here.
                if (++elements_ > limits_.max_elements)
                    return fail("more than " + std::to_string(limits_.max_elements) + " elements", node);
                out.children.push_back(FhirElement{std::string(name), text, {}});
            }
        }
        for (const pugi::xml_node& child : node.children()) {
            // Text between FHIR elements is only indentation; comments and PIs carry nothing.
            if (child.type() != pugi::node_element) continue;
            out.children.emplace_back();
            if (!convert(child, out.children.back(), depth + 1)) return false;
        }
        return true;
    }

    std::string_view lookup(std::string_view prefix) const {
        for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
            if (it->prefix == prefix) return it->uri;
        return {};
    }

    bool fail(std::string message, const pugi::xml_node& node) {
        error = std::move(message);
        const std::ptrdiff_t at = node.offset_debug();
        if (at >= 0) error += " (at byte " + std::to_string(at) + ")";
        return false;
    }

    const ReadLimits& limits_;
    std::vector<Namespace> scope_;
    std::size_t elements_ = 0;
};

FhirReadResult failed(std::string error) {
    FhirReadResult r;
    r.error = std::move(error);
    return r;
}

}  // namespace

FhirReadResult read_fhir_xml(std::string_view bytes, const ReadLimits& limits) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    if (bytes.starts_with("\xFE\xFF") || bytes.starts_with("\xFF\xFE"))
        return failed("XML is UTF-16; only UTF-8 is accepted");
    if (const std::size_t bad = first_invalid_utf8(bytes); bad != std::string_view::npos)
        return failed("XML is not valid UTF-8 (at byte " + std::to_string(bad) + ")");

    // Every element costs at least one '<'; counting them bounds pugixml's own tree before it is
    // built, since the element limit is otherwise only checked while converting.
    std::size_t angles = 0;
    for (char c : bytes) angles += c == '<';
    if (angles > 2 * limits.max_elements + 16)
        return failed("XML has more than " + std::to_string(limits.max_elements) + " elements");

    // No parse_escapes (see unescape) and parse_doctype on, so a DOCTYPE is kept as a node and
    // refused below rather than skipped. pugixml never fetches anything external; it is still told
    // to keep the DOCTYPE so that its presence, not just its effect, is what decides.
    constexpr unsigned options = pugi::parse_doctype | pugi::parse_eol | pugi::parse_wconv_attribute;
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_buffer(bytes.data(), bytes.size(), options, pugi::encoding_utf8);
    if (!parsed)
        return failed(std::string("XML is not well-formed: ") + parsed.description() + " (at byte " +
                      std::to_string(parsed.offset) + ")");

    pugi::xml_node root;
    for (const pugi::xml_node& n : doc.children()) {
        if (n.type() == pugi::node_doctype)
            return failed("XML has a DOCTYPE; DTDs and entity declarations are refused, never read");
        if (n.type() == pugi::node_element) {
            if (root) return failed("XML has more than one root element");
            root = n;
        }
    }
    if (!root) return failed("XML has no root element");

    Converter converter(limits);
    FhirReadResult result;
    if (!converter.convert(root, result.root, 1)) return failed(std::move(converter.error));
    result.ok = true;
    return result;
}

}  // namespace gpwatch::update_record
