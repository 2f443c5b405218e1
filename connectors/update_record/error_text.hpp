#pragma once
// How text taken from a message appears inside an error message.

#include <cstddef>
#include <string>
#include <string_view>

namespace gpwatch::update_record {

// At most `max` bytes of `s`, printable ASCII only (anything else becomes '?', so no control
// character, no half of a UTF-8 sequence), with "..." when cut. Errors go into logs, alerts and
// JSON: they must not carry a line break, invalid UTF-8 or a whole field. Callers only ever pass
// identifiers, codes and element names, never patient details.
inline std::string error_excerpt(std::string_view s, std::size_t max = 40) {
    std::string out;
    for (char c : s.substr(0, max)) {
        const auto b = static_cast<unsigned char>(c);
        out += (b < 0x20 || b >= 0x7f) ? '?' : c;
    }
    if (s.size() > max) out += "...";
    return out;
}

}  // namespace gpwatch::update_record
