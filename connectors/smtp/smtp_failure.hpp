#pragma once
// What a failed SMTP submission means for the outbox: worth retrying or not. Kept apart from the
// libcurl calls so the rule can be tested without a server.

#include <string>

#include "proto/alert_sink.hpp"

namespace gpwatch::smtp {

// What went wrong, in the terms the rule needs.
struct SubmissionFailure {
    enum class Kind {
        reply,           // the server answered with a failure reply (reply_code, reply_text)
        connection,      // could not connect, resolve, or the connection broke
        timeout,         // connecting or the exchange took too long
        tls_refused,     // the server's certificate or host name did not verify
        tls_unavailable, // the server did not offer STARTTLS (we never send in clear)
        local,           // our side: secret file unreadable, bad settings
    };
    Kind kind = Kind::connection;
    long reply_code = 0;     // SMTP reply code, for Kind::reply
    std::string reply_text;  // the server's last reply line, for Kind::reply
    std::string detail;      // libcurl's or our words
};

// 4xx replies, connection trouble, time-outs and local trouble (a token file being refreshed)
// are retryable; 5xx replies (550 rejected recipient, 535 authentication failed, 554...) and TLS
// that does not verify are permanent: the same message to the same server cannot succeed.
DeliveryResult classify(const SubmissionFailure& failure);

}  // namespace gpwatch::smtp
