#pragma once
// What an HTTP peer's answer means for whoever sent to it: the one rule every HTTPS sender of
// gpwatch shares (the webhook and task sinks, the LMC upload), so a status is never retried by
// one and given up by another.
//
//   5xx       the peer is failing: retry later
//   408, 429  the peer ran out of time for us, or asked us to slow down: retry later
//   any other non-success status (400, 401, 403, 404, 409, 413, 422...): the same request would be
//             answered the same way, so retrying cannot help; a person must look
//   no answer at all: a certificate that does not verify is permanent (it will not verify next
//             time either); time-outs, refused or broken connections are retried

#include <string>

#include "connectors/curl/https_post.hpp"
#include "proto/alert_sink.hpp"

namespace gpwatch::curl {

// True when a request answered with `status` (not a success) is worth sending again.
bool retry_worth_it(long http_status);

// A sink's DeliveryResult for a POST that got no HTTP answer (!response.transport_ok). `peer`
// names the destination in the error text, e.g. "webhook" or "clinical system tasks".
DeliveryResult no_answer(const PostResponse& response, const std::string& peer);

// A sink's DeliveryResult for an HTTP answer that is not a success: retryable by retry_worth_it,
// the error "<refused> HTTP <status>: <one safe line of the body>".
DeliveryResult refused(const PostResponse& response, const std::string& refused_words);

}  // namespace gpwatch::curl
