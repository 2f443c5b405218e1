#pragma once
// Text from a peer (an HTTP response body, an SMTP reply) made fit for an error message that is
// logged and stored in the ledger.

#include <string>

namespace gpwatch::curl {

// One short line: control characters replaced by spaces, runs of 6 or more digits (with single
// spaces between them allowed: an echoed NHS number such as "943 476 5919") replaced by
// "[digits removed]", cut near 200 characters with "..." when longer.
std::string one_line(const std::string& text);

}  // namespace gpwatch::curl
