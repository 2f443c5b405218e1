#include "collector/upload_route.hpp"

#include <spdlog/spdlog.h>

namespace gpwatch::collector {

UploadRoute::UploadRoute(ReportStore& store, IntakeLimits limits, const date::time_zone* zone, Clock now)
    : store_(store), limits_(limits), zone_(zone), now_(std::move(now)) {}

HttpAnswer UploadRoute::too_large(const std::string& peer) const {
    spdlog::info("upload from {}: 413 too_large (over {} bytes, not read)", peer, limits_.max_report_bytes);
    return json_status(413, status_word(IntakeStatus::too_large),
                       "the report is over the limit of " + std::to_string(limits_.max_report_bytes) + " bytes");
}

HttpAnswer UploadRoute::answer(const HttpAsk& ask) {
    if (target_path(ask.target) != "/v1/reports")
        return json_status(404, "not_found", "no such resource here: practices POST to /v1/reports");
    if (ask.method != "POST") {
        auto a = json_status(405, "method_not_allowed", "use POST");
        a.headers.emplace_back("Allow", "POST");
        return a;
    }
    IntakeResult r;
    try {
        r = take_report(store_, IntakeRequest{ask.content_type, ask.body, now_()}, limits_, zone_);
    } catch (const StoreError& e) {
        spdlog::error("upload from {}: the store failed: {}", ask.peer, e.what());
        auto a = json_status(503, "unavailable", "the collector cannot store reports just now; retry later",
                             body_digest(ask.body));
        a.headers.emplace_back("Retry-After", "60");
        return a;
    }
    const unsigned status = http_status(r.status);
    spdlog::info("upload from {}: practice {} period {} revision {}: {} {} ({})", ask.peer,
                 r.practice.empty() ? "?" : r.practice, r.period.empty() ? "?" : r.period, r.revision, status,
                 status_word(r.status), r.detail);
    return json_status(status, status_word(r.status), r.detail, r.digest);
}

}  // namespace gpwatch::collector
