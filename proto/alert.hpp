#pragma once
// Alert: one message for the duty inbox about one (write, reason). Built by daemon/alerts.

#include <cstdint>
#include <string>

#include "proto/verdict.hpp"

namespace gpwatch {

enum class DeliveryState { pending, delivered, failed };

struct Alert {
    std::int64_t id = 0;        // ledger row id; also names the delivered message
    std::int64_t write_id = 0;  // ledger row id of the write it is about
    Reason reason = Reason::unknown_writer;
    Severity severity = Severity::info;
    std::string subject;        // one line: severity, reason, who
    std::string body;           // plain text a GP takes in within ten seconds
    std::int64_t created_at = 0;  // unix seconds
    DeliveryState state = DeliveryState::pending;
    int attempts = 0;
};

const char* to_string(DeliveryState s);

}  // namespace gpwatch
