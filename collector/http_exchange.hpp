#pragma once
// One HTTP request and its answer as plain data: the routes decide on these without any socket,
// and https_server.cpp turns them into Beast messages.

#include <string>
#include <utility>
#include <vector>

namespace gpwatch::collector {

struct HttpAsk {
    std::string method;  // "GET", "POST", ...
    std::string target;  // "/api/counts?from=2026-W40"
    std::string content_type;
    std::string body;
    std::string peer;  // "address:port", for log lines
};

struct HttpAnswer {
    unsigned status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type/Length
};

// {"status": word, "detail": sentence[, "digest": ...]} as JSON, the collector's error shape.
HttpAnswer json_status(unsigned status, std::string_view word, std::string_view detail, std::string_view digest = {});

// The path of a target, without its query.
std::string target_path(const std::string& target);
// A query parameter's value, percent-decoded; empty when absent.
std::string query_param(const std::string& target, std::string_view key);

}  // namespace gpwatch::collector
