#include "connectors/curl/log_safe_text.hpp"

#include <cctype>

namespace gpwatch::curl {

std::string one_line(const std::string& text) {
    std::string flat;
    for (unsigned char c : text.substr(0, 1000)) {
        const bool control = c < 0x20 || c == 0x7f;
        if (!control)
            flat += static_cast<char>(c);
        else if (flat.empty() || flat.back() != ' ')
            flat += ' ';  // a line break (CR LF) becomes one space
    }
    // A server that echoes what it was sent could echo an NHS number (10 digits, maybe written
    // "943 476 5919"); this text ends up in logs, so long runs of digits are masked.
    std::string out;
    std::size_t i = 0;
    while (i < flat.size() && out.size() < 200) {
        std::size_t j = i, digits = 0;
        while (j < flat.size() && (std::isdigit(static_cast<unsigned char>(flat[j])) ||
                                   (flat[j] == ' ' && digits > 0 && j + 1 < flat.size() &&
                                    std::isdigit(static_cast<unsigned char>(flat[j + 1]))))) {
            if (flat[j] != ' ') ++digits;
            ++j;
        }
        if (digits >= 6) {
            out += "[digits removed]";
            i = j;
        } else if (j > i) {
            out.append(flat, i, j - i);
            i = j;
        } else {
            out += flat[i++];
        }
    }
    if (i < flat.size() || text.size() > 1000) out += "...";
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace gpwatch::curl
