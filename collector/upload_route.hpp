#pragma once
// POST /v1/reports on the upload listener: hands the body to take_report and answers with the
// contract's status JSON. Anything else on that listener is 404 or 405. Logs one line per upload
// (practice, period, revision, status): reports hold no patient data, and neither do the lines.

#include <cstdint>
#include <functional>

#include "collector/http_exchange.hpp"
#include "collector/report_intake.hpp"

namespace gpwatch::collector {

class UploadRoute {
public:
    using Clock = std::function<std::int64_t()>;  // unix seconds

    UploadRoute(ReportStore& store, IntakeLimits limits, const date::time_zone* zone, Clock now);

    HttpAnswer answer(const HttpAsk& ask);
    // The answer when the body was over the limit and was not read.
    HttpAnswer too_large(const std::string& peer) const;
    const IntakeLimits& limits() const { return limits_; }

private:
    ReportStore& store_;
    IntakeLimits limits_;
    const date::time_zone* zone_;
    Clock now_;
};

}  // namespace gpwatch::collector
