#include "connectors/webhook/webhook_sink.hpp"

#include <ctime>
#include <stdexcept>

#include "connectors/curl/curl_global.hpp"
#include "connectors/curl/http_answer.hpp"
#include "connectors/curl/https_post.hpp"
#include "connectors/curl/secret_file.hpp"
#include "connectors/webhook/webhook_payload.hpp"
#include "connectors/webhook/webhook_signature.hpp"

namespace gpwatch::webhook {

std::string check_options(const WebhookOptions& o) {
    if (o.url.rfind("https://", 0) != 0 || o.url.size() <= 8)
        return "webhook url must be an https:// URL: '" + o.url + "'";
    if (o.secret.empty() == o.secret_file.empty()) return "webhook needs exactly one of secret and secret_file";
    if (o.connect_timeout.count() <= 0 || o.total_timeout.count() <= 0) return "webhook time-outs must be positive";
    return "";
}

WebhookSink::WebhookSink(WebhookOptions options) : options_(std::move(options)) {
    if (auto problem = check_options(options_); !problem.empty()) throw std::invalid_argument(problem);
    curl::ensure_global_init();
}

DeliveryResult WebhookSink::deliver(const Alert& alert) {
    std::string secret = options_.secret;
    if (!options_.secret_file.empty()) {
        std::string error;
        auto s = curl::read_secret_file(options_.secret_file, error);
        if (!s) return {false, true, "webhook secret: " + error};
        secret = *s;
    }
    curl::PostRequest request;
    request.url = options_.url;
    request.ca_file = options_.ca_file;
    request.connect_timeout = options_.connect_timeout;
    request.total_timeout = options_.total_timeout;
    request.body = payload_json(alert, options_.practice_ods);
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    request.headers = {
        "Content-Type: application/json",
        "User-Agent: gpwatch",
        "X-Gpwatch-Alert-Id: " + std::to_string(alert.id),
        "X-Gpwatch-Alert-Key: " + alert_key(alert),
        "X-Gpwatch-Timestamp: " + std::to_string(now),
        "X-Gpwatch-Signature: " + signature(secret, now, request.body),
        "Expect:",  // send the body at once; no 100-continue round trip
    };

    if (cancelled_.load()) return {false, true, "webhook: cancelled (gpwatchd stopping)"};
    request.cancel = &cancelled_;
    const curl::PostResponse response = curl::https_post(request);
    if (!response.transport_ok) return curl::no_answer(response, "webhook");
    if (response.status >= 200 && response.status < 300) return {true, false, ""};
    return curl::refused(response, "webhook answered");
}

}  // namespace gpwatch::webhook
