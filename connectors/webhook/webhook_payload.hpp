#pragma once
// The JSON document a webhook receives for one alert.
//
// A webhook may leave the practice (a chat service, a paging provider), so the document carries
// only what says *that* something needs attention and where to look, never who the patient is:
// no NHS number and no alert body text (the body names what was written into the record).
// Fields: practice, alert_id, kind, reason, severity, rule, feed, upstream_id,
// author {ods, name}, subject, created_at (RFC 3339 UTC), in_reply_to_alert, covers [ids].

#include <string>

#include "proto/alert.hpp"

namespace gpwatch::webhook {

std::string payload_json(const Alert& alert, const std::string& practice_ods);

}  // namespace gpwatch::webhook
