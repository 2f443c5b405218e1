#include "collector/web_routes.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "collector/counts_json.hpp"
#include "collector/csv_export.hpp"
#include "collector/web_page.hpp"
#include "collector/week_range.hpp"

namespace gpwatch::collector {

TableOrError counts_for(ReportStore& store, const std::string& from, const std::string& to, std::int64_t now,
                        const date::time_zone* zone) {
    TableOrError out;
    const WeekRange range = week_range(from, to, now, zone);
    if (!range.error.empty()) {
        out.error = range.error;
        return out;
    }
    const std::string& first = range.weeks.front();
    const std::string& last = range.weeks.back();
    out.table = aggregate_counts(range.weeks, store.latest_reports(first, last), store.latest_totals(first, last),
                                 store.latest_counts(first, last));
    return out;
}

namespace {

// 16 random bytes as base64: a fresh CSP nonce for every page served.
std::string make_nonce() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("OpenSSL: no random bytes for a nonce");
    static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i + 2 < sizeof raw; i += 3) {
        const unsigned v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    const unsigned v = raw[15] << 16;  // 16 = 5*3 + 1
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    return out + "==";
}

void no_store(HttpAnswer& a) {
    a.headers.emplace_back("Cache-Control", "no-store");
    a.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace

WebRoutes::WebRoutes(ReportStore& store, const date::time_zone* zone, Clock now)
    : store_(store), zone_(zone), now_(std::move(now)) {}

HttpAnswer WebRoutes::answer(const HttpAsk& ask) {
    const std::string path = target_path(ask.target);
    if (path != "/" && path != "/api/counts" && path != "/export.csv")
        return json_status(404, "not_found", "no such page: try /, /api/counts or /export.csv");
    if (ask.method != "GET") {
        auto a = json_status(405, "method_not_allowed", "use GET");
        a.headers.emplace_back("Allow", "GET");
        return a;
    }
    if (path == "/") {
        const std::string nonce = make_nonce();
        HttpAnswer a{200, "text/html; charset=utf-8", web_page(nonce), {}};
        a.headers.emplace_back("Content-Security-Policy", content_security_policy(nonce));
        a.headers.emplace_back("Referrer-Policy", "no-referrer");
        no_store(a);
        return a;
    }
    TableOrError t;
    try {
        t = counts_for(store_, query_param(ask.target, "from"), query_param(ask.target, "to"), now_(), zone_);
    } catch (const StoreError& e) {
        spdlog::error("web {} {}: the store failed: {}", ask.method, path, e.what());
        return json_status(503, "unavailable", "the store cannot be read just now");
    }
    if (!t.error.empty()) return json_status(400, "bad_range", t.error);
    HttpAnswer a;
    if (path == "/api/counts") {
        a = HttpAnswer{200, "application/json", counts_json(t.table), {}};
    } else {
        a = HttpAnswer{200, "text/csv; charset=utf-8", csv_export(t.table), {}};
        a.headers.emplace_back("Content-Disposition", "attachment; filename=\"gpwatch-incident-counts.csv\"");
    }
    no_store(a);
    return a;
}

}  // namespace gpwatch::collector
