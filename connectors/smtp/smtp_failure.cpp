#include "connectors/smtp/smtp_failure.hpp"

namespace gpwatch::smtp {

DeliveryResult classify(const SubmissionFailure& f) {
    using Kind = SubmissionFailure::Kind;
    DeliveryResult r;
    r.delivered = false;
    switch (f.kind) {
        case Kind::reply: {
            const bool permanent = f.reply_code >= 500 && f.reply_code < 600;
            r.retryable = !permanent;
            r.error = "SMTP server replied " +
                      (f.reply_text.empty() ? std::to_string(f.reply_code) : f.reply_text) +
                      (f.detail.empty() ? "" : " (" + f.detail + ")");
            return r;
        }
        case Kind::connection:
            r.retryable = true;
            r.error = "cannot reach the SMTP server: " + f.detail;
            return r;
        case Kind::timeout:
            r.retryable = true;
            r.error = "SMTP server timed out: " + f.detail;
            return r;
        case Kind::tls_refused:
            r.retryable = false;
            r.error = "SMTP server's TLS certificate refused: " + f.detail;
            return r;
        case Kind::tls_unavailable:
            r.retryable = false;
            r.error = "SMTP server does not offer STARTTLS; refusing to send in clear: " + f.detail;
            return r;
        case Kind::local:
            r.retryable = true;
            r.error = f.detail;
            return r;
    }
    return r;
}

}  // namespace gpwatch::smtp
