#pragma once
// Formats an alert as an RFC 5322 message (plain text, UTF-8), the same bytes whether it is
// dropped into a Maildir or, later, submitted over SMTP.

#include <string>

#include "proto/alert.hpp"

namespace gpwatch::mail {

struct Envelope {
    std::string from;
    std::string to;
    std::string practice_ods;  // makes Message-IDs unique across practices
};

// A Message-ID that is the same every time for the same alert, so a resend threads as one.
std::string message_id(const Alert& alert, const Envelope& env);

std::string format_message(const Alert& alert, const Envelope& env);

}  // namespace gpwatch::mail
