#include "connectors/mesh/mesh_client.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <charconv>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "connectors/mesh/gzip_inflate.hpp"
#include "proto/url.hpp"

namespace gpwatch::mesh {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kListBodyLimit = 4 * 1024 * 1024;  // 500 ids are ~20 KiB; room for links
constexpr std::size_t kSmallBodyLimit = 64 * 1024;        // handshake and acknowledge answers
constexpr std::size_t kMaxIdLength = 200;
constexpr std::size_t kDoneMemory = 100000;               // ids remembered as acknowledged/skipped
constexpr std::size_t kPageSize = 500;                    // MESH lists at most this many at once
constexpr std::size_t kMaxPagesPerRound = 100;            // links.next followed at most this often per poll

// Ids go into request paths: letters, digits and . _ - only, so nothing can walk the path.
bool safe_id(std::string_view id) {
    return !id.empty() && id.size() <= kMaxIdLength && id != "." && id != ".." &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_' || c == '.';
           });
}

// "k:n" -> {k, n}
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_chunk_range(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::uint32_t k = 0, n = 0;
    auto a = std::from_chars(s.data(), s.data() + colon, k);
    auto b = std::from_chars(s.data() + colon + 1, s.data() + s.size(), n);
    if (a.ec != std::errc{} || a.ptr != s.data() + colon || b.ec != std::errc{} ||
        b.ptr != s.data() + s.size() || k < 1 || n < 1 || k > n)
        return std::nullopt;
    return std::pair{k, n};
}

// links.next of a v2 listing, as a request target on this mailbox's inbox, or "" when it is not
// one (a path elsewhere, or characters that do not belong in a query) and so is not followed.
std::string next_page_target(std::string_view link, const std::string& inbox_path) {
    if (auto scheme = link.find("://"); scheme != std::string_view::npos) {  // absolute: keep the path
        const auto slash = link.find('/', scheme + 3);
        if (slash == std::string_view::npos) return {};
        link.remove_prefix(slash);
    }
    const std::string prefix = inbox_path + "?";
    if (link.size() <= prefix.size() || link.substr(0, prefix.size()) != prefix) return {};
    const bool plain = std::all_of(link.begin() + prefix.size(), link.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '=' || c == '&' || c == '%';
    });
    return plain ? std::string(link) : std::string();
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

const char* to_string(MeshMessageType t) { return t == MeshMessageType::report ? "REPORT" : "DATA"; }

const char* to_string(MeshEvent e) {
    switch (e) {
        case MeshEvent::recovered: return "recovered";
        case MeshEvent::credentials_refused: return "credentials_refused";
        case MeshEvent::tls_failed: return "tls_failed";
        case MeshEvent::connection_failed: return "connection_failed";
        case MeshEvent::timed_out: return "timed_out";
        case MeshEvent::server_error: return "server_error";
        case MeshEvent::protocol_error: return "protocol_error";
        case MeshEvent::message_gone: return "message_gone";
        case MeshEvent::message_not_found: return "message_not_found";
        case MeshEvent::message_too_large: return "message_too_large";
        case MeshEvent::ack_not_found: return "ack_not_found";
    }
    return "?";
}

// One request's outcome: an HTTP answer (status != 0), or why there was none.
struct MeshClient::Reply {
    int status = 0;
    MeshEvent failure = MeshEvent::connection_failed;  // when status == 0
    std::string error;                                  // when status == 0
    bool too_large = false;  // the body passed the limit (status may still be known)
    http::response<http::string_body> res;
};

MeshClient::MeshClient(asio::any_io_executor ex, MeshClientOptions options, MessageHandler on_message,
                       ReportHandler on_report)
    : options_(std::move(options)),
      on_message_(std::move(on_message)),
      on_report_(std::move(on_report)),
      loop_(ex, "mesh"),
      timer_(ex),
      backoff_(options_.retry_initial, options_.retry_max) {
    https::KeepAliveOptions transport;
    if (auto url = parse_url(options_.url); url && url->scheme == "https") {
        transport.host = url->host;
        transport.port = url->port;
        url_ok_ = safe_id(options_.credentials.mailbox);
    }
    transport.ca_file = options_.ca_file;
    transport.client_cert_file = options_.client_cert_file;
    transport.client_key_file = options_.client_key_file;
    transport.timeout = options_.request_timeout;
    http_ = std::make_unique<https::KeepAliveClient>(ex, std::move(transport), [this] { return loop_.stopping(); });
    if (options_.os_name.empty() || options_.os_version.empty()) {
        utsname u{};
        if (::uname(&u) == 0) {
            if (options_.os_name.empty()) options_.os_name = u.sysname;
            if (options_.os_version.empty()) options_.os_version = u.release;
        }
    }
}

MeshClient::~MeshClient() = default;

void MeshClient::start() {
    loop_.start([this] { return run(); });
}

void MeshClient::stop(std::function<void()> on_stopped) {
    loop_.stop(std::move(on_stopped), [this] {
        timer_.cancel();
        http_->close();
    });
}

void MeshClient::acknowledge(const std::string& message_id) {
    if (!in_flight_.count(message_id)) return;
    if (std::find(ack_queue_.begin(), ack_queue_.end(), message_id) != ack_queue_.end()) return;
    ack_queue_.push_back(message_id);
    if (waiting_for_acks_) timer_.cancel();  // the idle wait sends it now, not at the next poll
}

std::string MeshClient::next_page(std::string_view link) const {
    std::string target = next_page_target(link, path("/inbox"));
    if (target.empty()) spdlog::warn("mesh: the inbox listing's links.next is not on this inbox; not followed");
    return target;
}

std::string MeshClient::path(const std::string& rest) const {
    return "/messageexchange/" + options_.credentials.mailbox + rest;
}

void MeshClient::report(MeshEvent event, int status, const std::string& id, const std::string& detail) {
    if (on_report_) on_report_(MeshReport{event, status, id, detail});
}

void MeshClient::succeeded() {
    healthy_ = true;
    backoff_.reset();
    if (reported_failure_) {
        reported_failure_ = false;
        spdlog::info("mesh: mailbox {} reachable again", options_.credentials.mailbox);
        report(MeshEvent::recovered, 0, {}, "requests succeed again after " + std::string(to_string(last_failure_)));
    }
}

void MeshClient::skip(const std::string& id) {
    if (!done_.insert(id).second) return;
    done_order_.push_back(id);
    if (done_order_.size() > kDoneMemory) {
        done_.erase(done_order_.front());
        done_order_.pop_front();
    }
}

bool MeshClient::fail(const Reply& reply, const std::string& what) {
    http_->close();
    if (loop_.stopping()) return false;
    healthy_ = false;
    MeshEvent event;
    std::string detail;
    failure_wait_ = backoff_.jittered();
    if (reply.status == 0) {
        event = reply.failure;
        detail = what + ": " + reply.error;
        backoff_.grow();
    } else if (reply.status == 401 || reply.status == 403) {
        event = MeshEvent::credentials_refused;
        detail = what + ": MESH refused the credentials (HTTP " + std::to_string(reply.status) +
                 "): check mesh.mailbox, the password, the shared secret and the client certificate";
        // Retrying at once cannot help and looks like an attack: wait long.
        failure_wait_ = options_.credentials_backoff;
    } else if (reply.status >= 500) {
        event = MeshEvent::server_error;
        detail = what + ": MESH answered HTTP " + std::to_string(reply.status);
        backoff_.grow();
    } else {
        event = MeshEvent::protocol_error;
        detail = what + ": unexpected HTTP " + std::to_string(reply.status);
        backoff_.grow();
    }
    switch (event) {
        case MeshEvent::credentials_refused: ++counters_.errors_credentials; break;
        case MeshEvent::tls_failed: ++counters_.errors_tls; break;
        case MeshEvent::timed_out: ++counters_.errors_timeout; break;
        case MeshEvent::server_error: ++counters_.errors_server; break;
        case MeshEvent::protocol_error: ++counters_.errors_protocol; break;
        default: ++counters_.errors_connection; break;
    }
    spdlog::warn("mesh: {} ({}); retrying in {} ms", detail, to_string(event), failure_wait_.count());
    reported_failure_ = true;
    last_failure_ = event;
    last_error_ = detail;
    last_error_at_ = client_loop::unix_now();
    report(event, reply.status, {}, detail);
    return false;
}

asio::awaitable<void> MeshClient::run() {
    if (!url_ok_) {
        Reply r;
        r.failure = MeshEvent::protocol_error;
        r.error = "mesh.url must be https://host:port and mesh.mailbox letters and digits";
        fail(r, "cannot start");
        co_return;
    }
    while (!loop_.stopping()) {
        const RoundEnd end = co_await round();
        if (loop_.stopping()) break;
        if (end == RoundEnd::failed) {
            co_await sleep(failure_wait_);
            continue;
        }
        if (end == RoundEnd::more_waiting) continue;  // a full page came back: there is more
        co_await idle_wait(Clock::now() + options_.poll_interval);
    }
    http_->close();
}

asio::awaitable<void> MeshClient::sleep(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> MeshClient::idle_wait(Clock::time_point until) {
    while (!loop_.stopping() && Clock::now() < until) {
        if (!ack_queue_.empty() && !co_await flush_acks()) {
            if (!loop_.stopping()) co_await sleep(failure_wait_);
            continue;
        }
        waiting_for_acks_ = true;
        timer_.expires_at(until);
        error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        waiting_for_acks_ = false;
    }
}

asio::awaitable<MeshClient::RoundEnd> MeshClient::round() {
    if (!last_handshake_ || Clock::now() - *last_handshake_ >= options_.handshake_interval)
        if (!co_await handshake()) co_return RoundEnd::failed;
    if (!co_await flush_acks()) co_return RoundEnd::failed;
    bool full_page = false;
    bool progress = false;
    // MESH lists at most 500 ids; v2 says where the rest are (links.next), so one round walks
    // every page. Messages handed over but not yet acknowledged stay listed on the first pages.
    std::string target = path("/inbox");
    for (std::size_t page = 1;; ++page) {
        std::string next;
        auto ids = co_await list_inbox(target, full_page, next);
        if (!ids) co_return RoundEnd::failed;
        for (const auto& id : *ids) {
            if (loop_.stopping()) co_return RoundEnd::idle;
            if (in_flight_.count(id) || done_.count(id)) continue;
            if (!co_await flush_acks()) co_return RoundEnd::failed;
            if (!co_await download(id)) co_return RoundEnd::failed;
            progress = true;
        }
        if (next.empty() || page >= kMaxPagesPerRound || loop_.stopping()) break;
        target = std::move(next);
    }
    const bool acked = !ack_queue_.empty();
    if (!co_await flush_acks()) co_return RoundEnd::failed;
    // A full page means more wait behind it; but when nothing on it was new (the daemon has not
    // acknowledged them yet), listing again at once would only spin.
    co_return full_page && (progress || acked) ? RoundEnd::more_waiting : RoundEnd::idle;
}

asio::awaitable<MeshClient::Reply> MeshClient::request(http::verb method, std::string target,
                                                       std::size_t body_limit, bool handshake_headers) {
    // A named function, not a temporary: it must outlive the requests sent with it.
    const std::function<void(https::KeepAliveClient::Request&)> fill = [&](https::KeepAliveClient::Request& req) {
        req.method(method);
        req.target(target);
        req.set(http::field::accept, "application/vnd.mesh.v2+json");
        req.set(http::field::accept_encoding, "gzip");
        req.set(http::field::user_agent, "gpwatchd");
        // A fresh token for every request, retries included: MESH refuses a token seen before.
        req.set(http::field::authorization, fresh_authorization(options_.credentials));
        if (handshake_headers) {
            req.set("mex-ClientVersion", options_.client_version);
            req.set("mex-OSName", options_.os_name);
            req.set("mex-OSVersion", options_.os_version);
        }
        ++counters_.requests;
    };
    auto answer = co_await http_->send(fill, body_limit);
    Reply reply;
    reply.status = answer.status;
    switch (answer.failure) {
        case https::Failure::connection_failed: reply.failure = MeshEvent::connection_failed; break;
        case https::Failure::timed_out: reply.failure = MeshEvent::timed_out; break;
        case https::Failure::tls_failed: reply.failure = MeshEvent::tls_failed; break;
    }
    reply.error = std::move(answer.error);
    reply.too_large = answer.too_large;
    reply.res = std::move(answer.res);
    co_return reply;
}

asio::awaitable<bool> MeshClient::handshake() {
    Reply r = co_await request(http::verb::post, path(), kSmallBodyLimit, true);
    if (r.status != 200) co_return fail(r, "handshake");
    ++counters_.handshakes;
    last_handshake_ = Clock::now();
    spdlog::info("mesh: handshake with mailbox {} done", options_.credentials.mailbox);
    succeeded();
    co_return true;
}

asio::awaitable<std::optional<std::vector<std::string>>> MeshClient::list_inbox(const std::string& target,
                                                                             bool& full_page, std::string& next) {
    Reply r = co_await request(http::verb::get, target, kListBodyLimit);
    if (r.too_large) {  // not a listing MESH would send
        r.status = 0;
        r.failure = MeshEvent::protocol_error;
    }
    if (r.status != 200) {
        fail(r, "listing the inbox");
        co_return std::nullopt;
    }
    error_code ec;
    json::value v = json::parse(r.res.body(), ec);
    const json::array* arr = nullptr;
    if (!ec && v.is_object())
        if (auto m = v.as_object().if_contains("messages"); m && m->is_array()) arr = &m->as_array();
    if (!arr) {
        Reply bad;
        bad.failure = MeshEvent::protocol_error;
        bad.error = "the answer is not JSON with a \"messages\" list";
        fail(bad, "listing the inbox");
        co_return std::nullopt;
    }
    std::vector<std::string> ids;
    ids.reserve(arr->size());
    for (const auto& item : *arr) {
        if (!item.is_string() || !safe_id(item.as_string())) {
            ++counters_.errors_protocol;
            report(MeshEvent::protocol_error, 200, {}, "the inbox lists a message id that is not plain text; ignored");
            continue;
        }
        ids.emplace_back(item.as_string());
    }
    full_page = arr->size() >= kPageSize;
    if (auto links = v.as_object().if_contains("links"); links && links->is_object())
        if (auto n = links->as_object().if_contains("next"); n && n->is_string()) next = next_page(n->as_string());
    ++counters_.polls;
    last_poll_at_ = client_loop::unix_now();
    succeeded();
    co_return ids;
}

asio::awaitable<bool> MeshClient::download(const std::string& id) {
    MeshMessage m;
    m.message_id = id;
    bool skipped = false;
    if (!co_await download_part(id, 1, m, skipped)) co_return false;
    for (std::uint32_t k = 2; k <= m.chunks && !skipped; ++k)
        if (!co_await download_part(id, k, m, skipped)) co_return false;
    if (skipped) co_return true;
    ++counters_.downloads;
    in_flight_.insert(id);
    spdlog::info("mesh: message {} ({} {}, {} bytes in {} chunk(s)) handed over", id, to_string(m.type),
                 m.workflow_id, m.body.size(), m.chunks);
    on_message_(std::move(m));
    co_return true;
}

asio::awaitable<bool> MeshClient::download_part(const std::string& id, std::uint32_t k, MeshMessage& m,
                                                bool& skipped) {
    const std::string target = path("/inbox/" + id + (k == 1 ? "" : "/" + std::to_string(k)));
    // The raw chunk may be gzip, which can be a little larger than what it holds.
    const std::size_t room = options_.max_message_bytes - std::min(options_.max_message_bytes, m.body.size());
    Reply r = co_await request(http::verb::get, target, room + room / 16 + 4096);
    const std::string what = "downloading message " + id + (k == 1 ? "" : " chunk " + std::to_string(k));
    auto refuse = [&](MeshEvent event, std::string detail) {
        switch (event) {
            case MeshEvent::message_gone: ++counters_.messages_gone; break;
            case MeshEvent::message_not_found: ++counters_.messages_not_found; break;
            case MeshEvent::message_too_large: ++counters_.messages_too_large; break;
            default: ++counters_.errors_protocol; break;
        }
        spdlog::error("mesh: {}: {}; skipped", what, detail);
        report(event, r.status, id, what + ": " + detail);
        skip(id);
        skipped = true;
        return true;
    };
    if (r.too_large)
        co_return refuse(MeshEvent::message_too_large,
                         "larger than mesh.max_message_bytes (" + std::to_string(options_.max_message_bytes) +
                             " bytes); refused and left in the mailbox");
    if (r.status == 410) co_return refuse(MeshEvent::message_gone, "MESH says it is gone (HTTP 410)");
    if (r.status == 404) co_return refuse(MeshEvent::message_not_found, "MESH does not know it (HTTP 404)");
    if (r.status != 200 && r.status != 206) co_return fail(r, what);
    ++counters_.chunks;
    succeeded();
    const auto& res = r.res;

    // Which chunk this is, and of how many. A 206 must say; a 200 without a range is the whole.
    std::uint32_t total = 1;
    if (auto range = res["mex-chunk-range"]; !range.empty()) {
        auto parsed = parse_chunk_range(range);
        if (!parsed || parsed->first != k)
            co_return refuse(MeshEvent::protocol_error, "mex-chunk-range '" + std::string(range) + "' is not " +
                                                            std::to_string(k) + ":n");
        total = parsed->second;
    } else if (r.status == 206) {
        co_return refuse(MeshEvent::protocol_error, "a 206 answer without mex-chunk-range");
    }
    if (k == 1) {
        if (total > options_.max_chunks)
            co_return refuse(MeshEvent::message_too_large,
                             "comes in " + std::to_string(total) + " chunks, more than the limit of " +
                                 std::to_string(options_.max_chunks));
        m.chunks = total;
        auto header = [&](std::string_view name) { return std::string(res[name]); };
        if (auto mid = header("mex-messageid"); !mid.empty() && mid != id)
            spdlog::warn("mesh: message {} says its id is {}; keeping the listed id", id, mid);
        m.from = header("mex-from");
        m.to = header("mex-to");
        m.workflow_id = header("mex-workflowid");
        m.local_id = header("mex-localid");
        m.filename = header("mex-filename");
        m.subject = header("mex-subject");
        m.type = lower(header("mex-messagetype")) == "report" ? MeshMessageType::report : MeshMessageType::data;
        m.status_code = header("mex-statuscode");
        m.status_description = header("mex-statusdescription");
        m.linked_message_id = header("mex-linkedmsgid");
        const auto compressed = lower(header("mex-content-compressed"));
        m.content_compressed = compressed == "y" || compressed == "yes" || compressed == "true";
    } else if (total != m.chunks) {
        co_return refuse(MeshEvent::protocol_error, "chunk " + std::to_string(k) + " says there are " +
                                                        std::to_string(total) + " chunks, the first said " +
                                                        std::to_string(m.chunks));
    }

    const std::string encoding = lower(res[http::field::content_encoding]);
    if (encoding == "gzip") {
        auto inflated = gunzip(res.body(), room);
        if (inflated.too_large)
            co_return refuse(MeshEvent::message_too_large,
                             "inflates to more than mesh.max_message_bytes (" +
                                 std::to_string(options_.max_message_bytes) + " bytes); refused and left in the mailbox");
        if (!inflated.data) co_return refuse(MeshEvent::protocol_error, "gzip chunk: " + inflated.error);
        m.body += *inflated.data;
    } else if (encoding.empty() || encoding == "identity") {
        if (res.body().size() > room)
            co_return refuse(MeshEvent::message_too_large,
                             "larger than mesh.max_message_bytes (" + std::to_string(options_.max_message_bytes) +
                                 " bytes); refused and left in the mailbox");
        m.body += res.body();
    } else {
        co_return refuse(MeshEvent::protocol_error, "unknown Content-Encoding '" + encoding + "'");
    }
    co_return true;
}

asio::awaitable<bool> MeshClient::flush_acks() {
    while (!ack_queue_.empty() && !loop_.stopping()) {
        const std::string id = ack_queue_.front();
        Reply r = co_await request(http::verb::put, path("/inbox/" + id + "/status/acknowledged"), kSmallBodyLimit);
        if (r.status == 404 || r.status == 410) {
            // Already gone upstream (e.g. an earlier ack whose answer was lost): nothing to retry.
            ++counters_.ack_not_found;
            spdlog::warn("mesh: acknowledging message {}: HTTP {} (already gone upstream)", id, r.status);
            report(MeshEvent::ack_not_found, r.status, id, "MESH no longer has the message being acknowledged");
        } else if (r.status >= 200 && r.status < 300) {
            ++counters_.acks;
            succeeded();
        } else {
            co_return fail(r, "acknowledging message " + id);  // stays queued: retried after the backoff
        }
        ack_queue_.pop_front();
        in_flight_.erase(id);
        skip(id);
    }
    co_return true;
}

}  // namespace gpwatch::mesh
