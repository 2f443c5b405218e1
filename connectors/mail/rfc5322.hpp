#pragma once
// Formats an alert as an RFC 5322 message (plain text, UTF-8), the same bytes whether it is
// dropped into a Maildir or submitted over SMTP.

#include <cstdint>
#include <string>

#include "proto/alert.hpp"

namespace gpwatch::mail {

struct Envelope {
    std::string from;
    std::string to;
    std::string practice_ods;  // makes Message-IDs unique across practices
};

// A Message-ID that is the same every time for the same alert, so a resend is recognisable as
// the same message, and names the ledger too, so another ledger's alert 42 is another message:
// "<alert-42.5f3c9a01d2e4b687.C84001@gpwatch.invalid>" ("<alert-42.C84001@gpwatch.invalid>"
// without a ledger identity).
std::string message_id(const Alert& alert, const Envelope& env);

// The same without the angle brackets: what Alert::in_reply_to_alert holds for a follow-up
// (an escalation) of alert `alert_id` of ledger `ledger_id`.
std::string bare_message_id(std::int64_t alert_id, const std::string& ledger_id, const std::string& practice_ods);

// Headers: Date, From, To, Subject, Message-ID, In-Reply-To and References (when
// alert.in_reply_to_alert is set), MIME, Importance for urgent alerts, X-Gpwatch-Reason,
// -Severity, -Alert-Id, -Kind, -Write-Id (write alerts), -Covers (digests: the alert ids gathered).
// A non-ASCII subject goes as RFC 2047 encoded-words (each at most 75 characters, whole UTF-8
// characters only), folded so no header line exceeds 78 characters; a long ASCII field (a subject,
// a digest's X-Gpwatch-Covers) is folded at its spaces likewise. The body is the alert's
// plain text (UTF-8, 8bit) with CRLF line ends.

std::string format_message(const Alert& alert, const Envelope& env);

}  // namespace gpwatch::mail
