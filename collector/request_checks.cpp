#include "collector/request_checks.hpp"

#include <algorithm>
#include <iterator>

#include <boost/beast/core/string.hpp>

namespace gpwatch::collector {

namespace http = boost::beast::http;

std::size_t header_end(std::string_view raw) {
    const auto at = raw.find("\r\n\r\n");
    return at == std::string_view::npos ? std::string_view::npos : at + 4;
}

std::string obs_fold_problem(std::string_view raw_header) {
    // Every line after the request line, up to the blank one: a line that starts with SP or HTAB
    // is a continuation (obs-fold), or whitespace before the first field, which RFC 9112 2.2 also
    // says to refuse.
    for (std::size_t at = raw_header.find("\r\n"); at != std::string_view::npos && at + 2 < raw_header.size();
         at = raw_header.find("\r\n", at + 2)) {
        const char next = raw_header[at + 2];
        if (next == ' ' || next == '\t') return "a header field line starts with whitespace (obsolete line folding)";
    }
    return {};
}

namespace {

std::size_t count(const http::fields& fields, http::field f) {
    const auto range = fields.equal_range(f);
    return static_cast<std::size_t>(std::distance(range.first, range.second));
}

}  // namespace

std::string framing_problem(const http::fields& fields, unsigned version) {
    if (const std::size_t te = count(fields, http::field::transfer_encoding); te > 1) {
        return "more than one Transfer-Encoding field";
    } else if (te == 1 && !boost::beast::iequals(fields[http::field::transfer_encoding], "chunked")) {
        return "Transfer-Encoding other than exactly \"chunked\"";
    }
    if (const std::size_t cl = count(fields, http::field::content_length); cl > 1) {
        return "more than one Content-Length field";
    } else if (cl == 1) {
        const auto value = fields[http::field::content_length];
        if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return "a Content-Length that is not one decimal number";
    }
    const std::size_t hosts = count(fields, http::field::host);
    if (hosts > 1) return "more than one Host field";
    if (hosts == 0 && version >= 11) return "an HTTP/1.1 request without a Host field";
    return {};
}

}  // namespace gpwatch::collector
