#include "connectors/update_record/json_reader.hpp"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include "connectors/update_record/error_text.hpp"

namespace gpwatch::update_record {
namespace json = boost::json;
namespace {

std::string clip(std::string_view s) { return error_excerpt(s); }

class Converter {
public:
    explicit Converter(const ReadLimits& limits) : limits_(limits) {}

    // `obj` is a resource (it has a resourceType) becoming `out` at `depth`.
    bool resource(const json::object& obj, FhirElement& out, std::size_t depth) {
        const json::value* type = obj.if_contains("resourceType");
        if (type == nullptr || !type->is_string() || type->get_string().empty())
            return fail("an object where a resource belongs has no resourceType string");
        if (!start(out, depth)) return false;
        out.name = std::string(type->get_string());
        return properties(obj, out, depth);
    }

    std::string error;

private:
    bool start(const FhirElement&, std::size_t depth) {
        if (depth > limits_.max_depth)
            return fail("elements are nested deeper than " + std::to_string(limits_.max_depth));
        if (++elements_ > limits_.max_elements)
            return fail("more than " + std::to_string(limits_.max_elements) + " elements");
        return true;
    }

    // Every property of `obj` but resourceType becomes children of `out`, in the order written.
    bool properties(const json::object& obj, FhirElement& out, std::size_t depth) {
        for (const auto& kv : obj) {
            const std::string_view key = kv.key();
            if (key == "resourceType") continue;
            if (key.starts_with('_')) {
                // A primitive's id/extensions. Merged where `x` is handled; alone only when `x`
                // itself is absent (a primitive with extensions but no value).
                const std::string_view base = key.substr(1);
                if (base.empty()) return fail("a property named '_'");
                if (obj.contains(base)) continue;
                if (!property(base, json::value(nullptr), &kv.value(), out, depth)) return false;
                continue;
            }
            const std::string underscored = "_" + std::string(key);
            if (!property(key, kv.value(), obj.if_contains(underscored), out, depth)) return false;
        }
        return true;
    }

    // Property `key` with value `v` and its `_key` companion `ext` (or null), as children of `out`.
    bool property(std::string_view key, const json::value& v, const json::value* ext, FhirElement& out,
                  std::size_t depth) {
        if (v.is_array()) {
            const json::array& items = v.get_array();
            const json::array* ext_items = nullptr;
            if (ext != nullptr && !ext->is_null()) {
                if (!ext->is_array() || ext->get_array().size() != items.size())
                    return fail("'_" + clip(key) + "' does not line up with the array '" + clip(key) + "'");
                ext_items = &ext->get_array();
            }
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (items[i].is_array()) return fail("an array inside the array '" + clip(key) + "'");
                if (!item(key, items[i], ext_items ? &(*ext_items)[i] : nullptr, out, depth)) return false;
            }
            return true;
        }
        if (ext != nullptr && ext->is_array()) {
            if (!v.is_null()) return fail("'_" + clip(key) + "' is an array but '" + clip(key) + "' is not");
            // `_key` alone, for an array whose values are all absent.
            for (const json::value& e : ext->get_array())
                if (!item(key, json::value(nullptr), &e, out, depth)) return false;
            return true;
        }
        return item(key, v, ext, out, depth);
    }

    // One element named `key`: an object, a resource wrapped in `key`, or a primitive.
    bool item(std::string_view key, const json::value& v, const json::value* ext, FhirElement& out,
              std::size_t depth) {
        const bool has_ext = ext != nullptr && !ext->is_null();
        if (v.is_null() && !has_ext) return true;  // an absent value, kept in arrays only for alignment
        FhirElement el;
        el.name = std::string(key);
        if (!start(el, depth + 1)) return false;
        if (v.is_object()) {
            const json::object& o = v.get_object();
            if (o.contains("resourceType")) {
                el.children.emplace_back();
                if (!resource(o, el.children.back(), depth + 2)) return false;
            } else if (!properties(o, el, depth + 1)) {
                return false;
            }
        } else if (!v.is_null() && !primitive(v, el.value)) {
            return false;
        }
        if (has_ext) {
            if (!ext->is_object()) return fail("'_" + clip(key) + "' is not an object");
            if (!v.is_null() && v.is_object()) return fail("'_" + clip(key) + "' next to an object");
            if (!properties(ext->get_object(), el, depth + 1)) return false;
        }
        out.children.push_back(std::move(el));
        return true;
    }

    // A JSON primitive written as FHIR XML would write it in `value`.
    bool primitive(const json::value& v, std::string& out) {
        char buf[64];
        std::to_chars_result r{};
        switch (v.kind()) {
            case json::kind::string: out = std::string(v.get_string()); return true;
            case json::kind::bool_: out = v.get_bool() ? "true" : "false"; return true;
            case json::kind::int64: r = std::to_chars(buf, buf + sizeof buf, v.get_int64()); break;
            case json::kind::uint64: r = std::to_chars(buf, buf + sizeof buf, v.get_uint64()); break;
            // Shortest text that reads back as the same double: 37.4 stays "37.4".
            case json::kind::double_: r = std::to_chars(buf, buf + sizeof buf, v.get_double()); break;
            default: return fail("an unexpected JSON value");
        }
        if (r.ec != std::errc{}) return fail("a number that cannot be written back");
        out.assign(buf, r.ptr);
        return true;
    }

    bool fail(std::string message) {
        if (error.empty()) error = std::move(message);
        return false;
    }

    const ReadLimits& limits_;
    std::size_t elements_ = 0;
};

FhirReadResult failed(std::string error) {
    FhirReadResult r;
    r.error = std::move(error);
    return r;
}

}  // namespace

FhirReadResult read_fhir_json(std::string_view bytes, const ReadLimits& limits) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);

    // Boost.JSON counts arrays as a level too, so FHIR's element depth is about half its depth;
    // its limit keeps the parser's own stack bounded, the converter applies the real one.
    json::parse_options options;
    options.max_depth = 2 * limits.max_depth + 4;
    json::stream_parser parser(json::storage_ptr(), options);
    boost::system::error_code ec;
    const std::size_t consumed = parser.write(bytes.data(), bytes.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec)
        return failed("JSON is not well-formed: " + ec.message() + " (near byte " + std::to_string(consumed) + ")");
    const json::value doc = parser.release();
    if (!doc.is_object()) return failed("JSON root is not an object");

    Converter converter(limits);
    FhirReadResult result;
    if (!converter.resource(doc.get_object(), result.root, 1)) return failed(std::move(converter.error));
    result.ok = true;
    return result;
}

}  // namespace gpwatch::update_record
