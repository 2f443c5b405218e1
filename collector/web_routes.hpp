#pragma once
// The web listener's routes, for the LMC officer's browser:
//   GET /                         the page (web_page.hpp)
//   GET /api/counts?from=&to=     the aggregate table as JSON (counts_json.hpp)
//   GET /export.csv?from=&to=     the same as CSV (csv_export.hpp)
// Every answer is built from the store's latest revisions and re-controlled (aggregates.hpp).

#include <cstdint>
#include <functional>

#include "collector/aggregates.hpp"
#include "collector/http_exchange.hpp"
#include "collector/report_store.hpp"

namespace date { class time_zone; }

namespace gpwatch::collector {

// The aggregate table over the weeks from..to; `error` is set (and the table empty) when the
// range is refused. Shared by the routes and `gpwatch-collector export-csv`.
struct TableOrError {
    CountsTable table;
    std::string error;
};
TableOrError counts_for(ReportStore& store, const std::string& from, const std::string& to, std::int64_t now,
                        const date::time_zone* zone);

class WebRoutes {
public:
    using Clock = std::function<std::int64_t()>;
    WebRoutes(ReportStore& store, const date::time_zone* zone, Clock now);
    HttpAnswer answer(const HttpAsk& ask);

private:
    ReportStore& store_;
    const date::time_zone* zone_;
    Clock now_;
};

}  // namespace gpwatch::collector
