#pragma once
// WebhookSink: POSTs each alert as signed JSON (webhook_payload.hpp, webhook_signature.hpp) to an
// HTTPS endpoint. Headers: Content-Type: application/json, X-Gpwatch-Alert-Key (the receiver's
// idempotency key: a retry carries the same key, and no other alert ever has it, even from a
// replaced or rewound ledger), X-Gpwatch-Alert-Id (the ledger's number, for gpwatchctl),
// X-Gpwatch-Timestamp, X-Gpwatch-Signature.
// 2xx is delivered; every other answer is judged by the shared rule (connectors/curl/http_answer).

#include <atomic>
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
    void cancel() override { cancelled_.store(true); }

private:
    WebhookOptions options_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace gpwatch::webhook
