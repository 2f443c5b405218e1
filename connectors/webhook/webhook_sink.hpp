#pragma once
// WebhookSink: POSTs each alert as signed JSON (webhook_payload.hpp, webhook_signature.hpp) to an
// HTTPS endpoint. Headers: Content-Type: application/json, X-Gpwatch-Alert-Id (the receiver's
// idempotency key: a retry carries the same id), X-Gpwatch-Timestamp, X-Gpwatch-Signature.
// 2xx is delivered; 5xx, 408, 429, time-outs and connection errors are retried; any other
// status (400, 401, 404...) and a certificate that does not verify are permanent.

#include <chrono>
#include <string>

#include "proto/alert_sink.hpp"

namespace gpwatch::webhook {

struct WebhookOptions {
    std::string url;          // https://host[:port]/path; plain http is refused
    std::string secret;       // the shared signing secret itself, or ...
    std::string secret_file;  // ... a file holding it (or "credential:NAME"), read at each delivery
    std::string practice_ods; // goes into the document as "practice"
    std::string ca_file;      // PEM CAs to trust; empty: the system's trust store
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds total_timeout{20};
};

// The first problem with the options in words naming the option, or "".
std::string check_options(const WebhookOptions& options);

class WebhookSink : public AlertSink {
public:
    // Throws std::invalid_argument with check_options()'s words.
    explicit WebhookSink(WebhookOptions options);
    const char* name() const override { return "webhook"; }
    DeliveryResult deliver(const Alert& alert) override;

private:
    WebhookOptions options_;
};

}  // namespace gpwatch::webhook
