#pragma once
// ReportIntake: what the collector answers to one POST /v1/reports body, without any network.
// Parses the SignedIncidentReport envelope and the IncidentReport inside, looks up the practice's
// registered key, verifies the Ed25519 signature over the exact report bytes, checks the limits,
// the clock and earlier revisions, and stores the report when everything holds. Every answer is
// one status of the collector contract (docs/collector.md).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collector/report_store.hpp"

namespace date { class time_zone; }

namespace gpwatch::collector {

enum class IntakeStatus {
    stored,              // 201
    replayed,            // 409: these exact bytes are stored already
    superseded,          // 409: a revision as new or newer is stored, with other bytes
    malformed,           // 400
    unsigned_report,     // 401 "unsigned"
    bad_signature,       // 401
    unknown_practice,    // 403
    unregistered_key,    // 403
    too_large,           // 413
    future_dated,        // 422
    wrong_content_type,  // 415
};

std::string_view status_word(IntakeStatus s);  // the contract's word, e.g. "bad_signature"
unsigned http_status(IntakeStatus s);

struct IntakeLimits {
    std::size_t max_report_bytes = 256 * 1024;
    std::chrono::seconds max_clock_skew{300};
};

struct IntakeRequest {
    std::string_view content_type;  // the Content-Type header as sent
    std::string_view body;
    std::int64_t now = 0;  // unix seconds
};

struct IntakeResult {
    IntakeStatus status = IntakeStatus::malformed;
    std::string detail;  // one sentence for the practice's admin; names no patient (reports hold none)
    std::string digest;  // "sha256:<hex of body>"; empty when the body was not read (too_large)
    // What the report claims, once known (for the log line); empty otherwise.
    std::string practice;
    std::string period;
    std::uint32_t revision = 0;
};

// "sha256:" + the hex SHA-256 of `bytes`.
std::string body_digest(std::string_view bytes);

// Decides and, when the report is new, stores it. Throws StoreError when the store fails (the
// caller answers 503 so the practice retries).
IntakeResult take_report(ReportStore& store, const IntakeRequest& request, const IntakeLimits& limits,
                         const date::time_zone* zone);

}  // namespace gpwatch::collector
