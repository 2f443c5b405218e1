#include "sim/mesh/mesh_sim_server.hpp"

#include <algorithm>
#include <functional>
#include <charconv>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "sim/mesh/mesh_gzip.hpp"
#include "sim/mesh/mesh_mailbox.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::seconds(60);  // waiting for the next request on a kept-alive connection
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxRequestBody = 64 * 1024;      // the inbox API takes no bodies worth the name
constexpr std::size_t kMaxRequestHeader = 16 * 1024;
constexpr std::size_t kMaxListed = 500;
constexpr const char* kV2 = "application/vnd.mesh.v2+json";
constexpr const char* kV1 = "application/vnd.mesh.v1+json";

using Response = MeshSimServer::Response;
using Request = MeshSimServer::Request;

Response json_response(const Request& req, http::status status, const json::value& body, bool v2) {
    Response res{status, req.version()};
    res.set(http::field::server, "gpwatch-sim mesh");
    res.set(http::field::content_type, v2 ? kV2 : "application/json");
    res.body() = json::serialize(body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// MESH's error body: {"errorEvent", "errorCode", "errorDescription"} (plus messageID when known).
Response error_response(const Request& req, http::status status, std::string_view event, std::string_view code,
                        std::string_view description, std::string_view message_id = {}) {
    json::object body{{"errorEvent", event}, {"errorCode", code}, {"errorDescription", description}};
    if (!message_id.empty()) body["messageID"] = message_id;
    return json_response(req, status, body, false);
}

bool wants_v2(const Request& req) {
    return std::string_view(req[http::field::accept]).find(kV2) != std::string_view::npos;
}

bool accepts_gzip(const Request& req) {
    return std::string_view(req[http::field::accept_encoding]).find("gzip") != std::string_view::npos;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        parts.emplace_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (!parts.empty() && parts.back().empty()) parts.pop_back();  // a trailing slash
    return parts;
}

std::string query_value(std::string_view query, std::string_view key) {
    std::size_t pos = 0;
    while (pos < query.size()) {
        auto amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        const auto pair = query.substr(pos, amp - pos);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == key && eq != std::string_view::npos) return std::string(pair.substr(eq + 1));
        pos = amp + 1;
    }
    return {};
}

std::string mex_timestamp() {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto day = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd(day);
    const std::chrono::hh_mm_ss hms(now - day);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u%02ld%02ld%02ld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

}  // namespace

void configure_mesh_tls(asio::ssl::context& tls, const std::string& cert_file, const std::string& key_file,
                        const std::string& ca_file) {
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::single_dh_use);
    tls.use_certificate_chain_file(cert_file);
    tls.use_private_key_file(key_file, asio::ssl::context::pem);
    tls.load_verify_file(ca_file);
    // Mutual TLS: no client certificate, or one our CA did not sign, ends the handshake.
    tls.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
}

MeshSimServer::MeshSimServer(asio::io_context& ioc, asio::ssl::context& tls, MeshMailbox& mailbox,
                             MeshServerSettings settings)
    : ioc_(ioc),
      tls_(tls),
      mailbox_(mailbox),
      settings_(std::move(settings)),
      auth_(settings_.credentials),
      chaos_rng_(settings_.chaos_seed),
      listener_(ioc, "mesh sim") {}

tcp::endpoint MeshSimServer::bind(const std::string& host, std::uint16_t port) {
    return listener_.bind(host, port);
}

void MeshSimServer::start() {
    listener_.start(std::bind_front(&MeshSimServer::handle_connection, this));
}

void MeshSimServer::stop() {
    listener_.stop();
    beast::error_code ec;
    for (auto* socket : sockets_) socket->close(ec);
}

asio::awaitable<void> MeshSimServer::handle_connection(tcp::socket socket) {
    const std::string peer = SimListener::peer_name(socket);
    {
        beast::error_code ec;
        // A response goes out as several TLS records; without this, Nagle's algorithm holds the
        // later ones back until the client's delayed ACK (~40 ms per request).
        socket.set_option(tcp::no_delay(true), ec);
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), tls_);
    tcp::socket* raw = &beast::get_lowest_layer(stream).socket();
    sockets_.insert(raw);
    struct Unregister {
        std::unordered_set<tcp::socket*>& set;
        tcp::socket* s;
        ~Unregister() { set.erase(s); }
    } unregister{sockets_, raw};

    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable)); ec) {
        spdlog::info("mesh sim: {}: TLS handshake refused: {}", peer, ec.message());
        co_return;
    }

    beast::flat_buffer buffer;
    while (!listener_.stopping()) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kMaxRequestBody);
        parser.header_limit(kMaxRequestHeader);
        beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
        auto [rec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
        if (rec) {
            if (rec != http::error::end_of_stream && rec != asio::ssl::error::stream_truncated)
                spdlog::debug("mesh sim: {}: read ended: {}", peer, rec.message());
            co_return;
        }
        Request request = parser.release();

        // Chaos decides before the request takes effect, except for some dropped acknowledgements.
        enum class Chaos { none, status500, status503, drop_before, drop_after };
        Chaos chaos = Chaos::none;
        if (settings_.chaos && chaos_rng_.chance(settings_.chaos_probability))
            chaos = static_cast<Chaos>(1 + chaos_rng_.below(4));
        const bool is_ack = request.method() == http::verb::put;
        if (chaos == Chaos::drop_after && !is_ack) chaos = Chaos::drop_before;

        Response response;
        if (chaos == Chaos::drop_before) {
            spdlog::info("mesh sim: chaos: dropping {} before answering {}", peer, std::string(request.target()));
            co_return;
        } else if (chaos == Chaos::status500 || chaos == Chaos::status503) {
            const auto status = chaos == Chaos::status500 ? http::status::internal_server_error
                                                          : http::status::service_unavailable;
            spdlog::info("mesh sim: chaos: answering {} with {}", std::string(request.target()),
                         static_cast<unsigned>(status));
            response = error_response(request, status, "SERVICE", std::to_string(static_cast<unsigned>(status)),
                                      chaos == Chaos::status500 ? "Internal server error" : "Service unavailable");
            if (chaos == Chaos::status503) response.set(http::field::retry_after, "1");
        } else {
            response = respond(request);
            if (chaos == Chaos::drop_after) {
                spdlog::info("mesh sim: chaos: dropping {} after acting on {}", peer, std::string(request.target()));
                co_return;
            }
        }
        spdlog::debug("mesh sim: {} {} -> {}", std::string(request.method_string()), std::string(request.target()),
                      response.result_int());
        beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
        auto [wec, wn] = co_await http::async_write(stream, response, as_tuple(use_awaitable));
        if (wec) co_return;
        if (!response.keep_alive()) break;
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await stream.async_shutdown(as_tuple(use_awaitable));
}

Response MeshSimServer::respond(const Request& req) {
    std::string_view target = req.target();
    const auto qmark = target.find('?');
    const std::string_view query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);
    target = target.substr(0, qmark);
    const std::vector<std::string> parts = split_path(target);
    // parts[0] is "" (the leading slash), parts[1] "messageexchange", parts[2] the mailbox.
    if (parts.size() < 3 || !parts[0].empty() || parts[1] != "messageexchange")
        return error_response(req, http::status::not_found, "RECEIVE", "404", "No such resource: the MESH API is under /messageexchange");
    const std::string& mailbox = parts[2];

    const MeshAuthVerdict verdict = auth_.check(req[http::field::authorization], mailbox);
    if (verdict != MeshAuthVerdict::ok) {
        spdlog::info("mesh sim: 403 for {} {}: {}", std::string(req.method_string()), std::string(req.target()),
                     to_string(verdict));
        return error_response(req, http::status::forbidden, "AUTHENTICATION", "403",
                              verdict == MeshAuthVerdict::reused ? "Error Duplicated Authentication Token"
                              : verdict == MeshAuthVerdict::wrong_mailbox ? "Mailbox id does not match token"
                                                                          : "Invalid Authentication Token");
    }
    const bool v2 = wants_v2(req);
    auto method_not_allowed = [&] {
        return error_response(req, http::status::method_not_allowed, "RECEIVE", "405", "Method not allowed");
    };

    // POST /messageexchange/{mailbox}: the handshake.
    if (parts.size() == 3) {
        if (req.method() != http::verb::post) return method_not_allowed();
        for (const char* header : {"mex-clientversion", "mex-osname", "mex-osversion"})
            if (req[header].empty())
                return error_response(req, http::status::bad_request, "HANDSHAKE", "400",
                                      std::string("Missing header ") + header);
        spdlog::info("mesh sim: handshake from {} ({} on {} {})", mailbox, std::string(req["mex-clientversion"]),
                     std::string(req["mex-osname"]), std::string(req["mex-osversion"]));
        return json_response(req, http::status::ok, json::object{{"mailboxId", mailbox}}, v2);
    }
    if (parts[3] != "inbox") return error_response(req, http::status::not_found, "RECEIVE", "404", "No such resource");

    // GET /messageexchange/{mailbox}/inbox
    if (parts.size() == 4) {
        if (req.method() != http::verb::get) return method_not_allowed();
        std::size_t max = kMaxListed;
        if (const std::string m = query_value(query, "max_results"); !m.empty()) {
            std::size_t v = 0;
            auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), v);
            if (ec != std::errc{} || end != m.data() + m.size() || v == 0 || v > kMaxListed)
                return error_response(req, http::status::bad_request, "RECEIVE", "400", "max_results must be 1 to 500");
            max = v;
        }
        const std::string continue_from = query_value(query, "continue_from");
        bool more = false;
        const auto ids = mailbox_.list(max, continue_from, more);
        json::array messages;
        for (const auto& id : ids) messages.emplace_back(id);
        if (!v2) return json_response(req, http::status::ok, json::object{{"messages", std::move(messages)}}, false);
        const std::string self = "/messageexchange/" + mailbox + "/inbox";
        json::object links{{"self", self}};
        if (more) links["next"] = self + "?continue_from=" + ids.back();
        return json_response(req, http::status::ok,
                             json::object{{"messages", std::move(messages)},
                                          {"approx_inbox_count", mailbox_.waiting()},
                                          {"links", std::move(links)}},
                             true);
    }
    const std::string& id = parts[4];

    // PUT /messageexchange/{mailbox}/inbox/{id}/status/acknowledged
    if (parts.size() == 7 && parts[5] == "status" && parts[6] == "acknowledged") {
        if (req.method() != http::verb::put) return method_not_allowed();
        switch (mailbox_.acknowledge(id)) {
        case MeshMailbox::Ack::acknowledged:
            spdlog::info("mesh sim: {} acknowledged", id);
            break;
        case MeshMailbox::Ack::again:
            spdlog::info("mesh sim: {} acknowledged again (200, no change)", id);
            break;
        case MeshMailbox::Ack::unknown:
            return error_response(req, http::status::not_found, "RECEIVE", "20", "Message does not exist", id);
        case MeshMailbox::Ack::gone:
            return error_response(req, http::status::gone, "RECEIVE", "23", "Message no longer available for download", id);
        }
        if (v2) {
            Response res{http::status::ok, req.version()};
            res.set(http::field::server, "gpwatch-sim mesh");
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            return res;
        }
        return json_response(req, http::status::ok, json::object{{"messageId", id}}, false);
    }

    // GET /messageexchange/{mailbox}/inbox/{id} and …/{id}/{chunk}
    if (parts.size() == 5 || parts.size() == 6) {
        if (req.method() != http::verb::get) return method_not_allowed();
        std::uint32_t chunk = 1;
        if (parts.size() == 6) {
            auto [end, ec] = std::from_chars(parts[5].data(), parts[5].data() + parts[5].size(), chunk);
            if (ec != std::errc{} || end != parts[5].data() + parts[5].size())
                return error_response(req, http::status::not_found, "RECEIVE", "20", "Message does not exist", id);
        }
        return download(req, id, chunk, parts.size() == 5);
    }
    return error_response(req, http::status::not_found, "RECEIVE", "404", "No such resource");
}

Response MeshSimServer::download(const Request& req, const std::string& id, std::uint32_t chunk, bool whole) {
    const auto found = mailbox_.find(id);
    if (found.state == MeshMailbox::State::unknown)
        return error_response(req, http::status::not_found, "RECEIVE", "20", "Message does not exist", id);
    if (found.state == MeshMailbox::State::gone)
        return error_response(req, http::status::gone, "RECEIVE", "23", "Message no longer available for download", id);
    const GeneratedMessage& m = *found.message;
    const bool report = m.message_type == "REPORT";
    const std::uint32_t total = report ? 1 : m.chunks;
    if (chunk < 1 || chunk > total)
        return error_response(req, http::status::not_found, "RECEIVE", "20", "Message does not exist", id);
    (void)whole;  // the whole-message URL is chunk 1

    Response res{chunk < total ? http::status::partial_content : http::status::ok, req.version()};
    res.set(http::field::server, "gpwatch-sim mesh");
    res.set(http::field::content_type, "application/octet-stream");
    res.set("mex-From", m.from_mailbox);
    res.set("mex-To", m.to_mailbox);
    res.set("mex-WorkflowID", m.workflow_id);
    res.set("mex-Chunk-Range", std::to_string(chunk) + ":" + std::to_string(total));
    res.set("mex-AddressType", "ALL");
    res.set("mex-LocalID", m.local_id);
    res.set("mex-FileName", m.filename.empty() ? m.mesh_id + ".dat" : m.filename);
    res.set("mex-Subject", m.subject);
    res.set("mex-Version", "1.0");
    res.set("mex-MessageType", m.message_type);
    res.set("mex-MessageID", m.mesh_id);
    res.set("mex-StatusTimestamp", mex_timestamp());
    if (report) {
        res.set("mex-StatusCode", m.status_code);
        res.set("mex-StatusEvent", "SEND");
        res.set("mex-StatusDescription", m.status_description);
        res.set("mex-StatusSuccess", "ERROR");
        res.set("mex-LinkedMsgID", m.linked_message_id);
    } else {
        res.set("mex-StatusCode", "00");
        res.set("mex-StatusEvent", "TRANSFER");
        res.set("mex-StatusDescription", "Transferred to recipient mailbox");
        res.set("mex-StatusSuccess", "SUCCESS");
        // Chunk k of n: the body split into n nearly equal parts.
        const std::size_t size = m.body.size();
        const std::size_t begin = size * (chunk - 1) / total;
        const std::size_t end = size * chunk / total;
        std::string part = m.body.substr(begin, end - begin);
        if (m.gzip) {
            res.set("mex-Content-Compressed", "Y");
            // Stored compressed; a client that cannot take gzip gets it inflated, as MESH does.
            if (accepts_gzip(req)) {
                res.set(http::field::content_encoding, "gzip");
                part = gzip_compress(part);
            }
        }
        res.body() = std::move(part);
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

}  // namespace gpwatch::sim
