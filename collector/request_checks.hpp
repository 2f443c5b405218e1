#pragma once
// Request framing that Beast's parser lets through but RFC 9112 says a server must refuse,
// checked before a request is routed (so such a request gets 400, never 405 or 201 first).
//
// Why: where one hop and the next disagree on where a request ends, an attacker can smuggle a
// second request inside the first (request smuggling). Beast accepts, for leniency:
//  - `Transfer-Encoding: chunked, identity` (chunked not last: taken as no body at all) and
//    `Transfer-Encoding: identity` (RFC 9112 6.1: a server that does not understand a transfer
//    coding answers 501, and one whose final coding is not chunked must answer 400);
//  - two equal `Content-Length` fields, or `Content-Length: 5, 5` (RFC 9110 8.6 allows a
//    recipient to accept that; a collector has no reason to);
//  - a request without `Host` (RFC 9112 3.2: an HTTP/1.1 request without one, or with two, MUST
//    get 400);
//  - obs-fold, a field line starting with a space or tab that continues the line before (RFC 9112
//    5.2: a server MUST refuse it with 400 or replace it by spaces). Beast replaces it silently,
//    so it is only visible in the raw bytes, before the parser sees them.

#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace gpwatch::collector {

// The offset just past the blank line that ends the header in `raw`, or npos while it has not
// arrived.
std::size_t header_end(std::string_view raw);

// Empty when `raw_header` (request line, fields, blank line, as received) has no field line that
// starts with a space or a tab; otherwise why it is refused.
std::string obs_fold_problem(std::string_view raw_header);

// Empty when the parsed header's framing is acceptable; otherwise why it is refused (fixed
// sentences: nothing of the request is repeated back). version: 11 for HTTP/1.1.
std::string framing_problem(const boost::beast::http::fields& fields, unsigned version);

}  // namespace gpwatch::collector
