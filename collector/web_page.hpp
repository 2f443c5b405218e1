#pragma once
// The LMC officer's page (GET /): one HTML document with its script and style inline and no
// request anywhere but this collector's /api/counts. The script draws an SVG chart (incidents per
// week, stacked by reason) and a table of counts per reason per week across practices. A redacted
// aggregate is shown as "redacted" (or "10 + 2 redacted": ten shown, two practices' figures of 1
// to 7 not added in), never as a number. Data from practices only ever reaches the page through
// textContent, never as HTML.

#include <string>
#include <string_view>

namespace gpwatch::collector {

// The page, its inline <script> and <style> carrying `nonce` (see content_security_policy).
std::string web_page(std::string_view nonce);

// The Content-Security-Policy header for the page: nothing runs but the nonced inline script,
// nothing is fetched but this origin's API.
std::string content_security_policy(std::string_view nonce);

}  // namespace gpwatch::collector
