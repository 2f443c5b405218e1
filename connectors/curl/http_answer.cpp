#include "connectors/curl/http_answer.hpp"

#include "connectors/curl/log_safe_text.hpp"

namespace gpwatch::curl {

bool retry_worth_it(long s) { return s >= 500 || s == 408 || s == 429; }

DeliveryResult no_answer(const PostResponse& r, const std::string& peer) {
    if (r.tls_refused) return {false, false, peer + ": the server's TLS certificate was refused: " + r.error};
    if (r.cancelled) return {false, true, peer + ": cancelled (gpwatchd stopping)"};
    return {false, true, peer + (r.timed_out ? " timed out: " : " unreachable: ") + r.error};
}

DeliveryResult refused(const PostResponse& r, const std::string& refused_words) {
    std::string error = refused_words + " HTTP " + std::to_string(r.status);
    if (const auto text = one_line(r.body); !text.empty()) error += ": " + text;
    return {false, retry_worth_it(r.status), error};
}

}  // namespace gpwatch::curl
