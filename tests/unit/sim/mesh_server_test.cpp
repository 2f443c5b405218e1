// The MESH simulator's server in-process on an ephemeral port, driven by a small Beast HTTPS
// client presenting the practice's generated client certificate (mutual TLS).

#include <chrono>
#include <filesystem>
#include <map>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/mesh/mesh_auth.hpp"
#include "sim/mesh/mesh_certs.hpp"
#include "sim/mesh/mesh_gzip.hpp"
#include "sim/mesh/mesh_mailbox.hpp"
#include "sim/mesh/mesh_sim_server.hpp"
#include "sim/mesh/update_record_generator.hpp"

namespace gpwatch::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const mesh::MeshCredentials kCreds{"C84001OT001", "test-password", "test-secret"};
constexpr auto kExpiry = 3s;

struct Reply {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class MeshServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("gpwatch-mesh-test-" + std::to_string(::getpid()));
        files_ = ensure_mesh_certificates(dir_.string(), kCreds.mailbox);
        configure_mesh_tls(server_tls_, files_.server_cert, files_.server_key, files_.ca_cert);

        // Pick one of each interesting kind from the generator.
        UpdateRecordGenerator generator(11, kCreds.mailbox);
        const auto t0 = std::chrono::system_clock::now();
        for (int i = 0; i < 3000 && (!plain_ || !chunked_gzip_ || !report_ || !chunked_plain_); ++i) {
            GeneratedMessage m = generator.next(t0 + std::chrono::milliseconds(i));
            std::optional<GeneratedMessage>* slot = nullptr;
            if (m.message_type == "REPORT") slot = &report_;
            else if (m.chunks > 1 && m.gzip) slot = &chunked_gzip_;
            else if (m.chunks > 1) slot = &chunked_plain_;
            else if (!m.gzip && m.has_kind("update-record")) slot = &plain_;
            if (slot && !*slot) *slot = m;
        }
        ASSERT_TRUE(plain_ && chunked_gzip_ && report_ && chunked_plain_);
        for (auto* m : {&plain_, &chunked_gzip_, &report_, &chunked_plain_}) ASSERT_TRUE(mailbox_.deliver(**m));

        MeshServerSettings settings;
        settings.credentials = kCreds;
        server_.emplace(ioc_, server_tls_, mailbox_, settings);
        port_ = server_->bind("127.0.0.1", 0).port();
        server_->start();
        thread_ = std::thread([this] { ioc_.run(); });

        client_tls_.load_verify_file(files_.ca_cert);
        client_tls_.set_verify_mode(asio::ssl::verify_peer);
        client_tls_.use_certificate_chain_file(files_.client_cert);
        client_tls_.use_private_key_file(files_.client_key, asio::ssl::context::pem);
        bare_tls_.load_verify_file(files_.ca_cert);
        bare_tls_.set_verify_mode(asio::ssl::verify_peer);
    }

    void TearDown() override {
        asio::post(ioc_, [this] { server_->stop(); });
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // One request on a fresh mutual-TLS connection; status 0 when TLS or the connection failed.
    Reply send(http::verb verb, const std::string& target, std::map<std::string, std::string> headers = {},
               bool auth = true, bool client_cert = true) {
        Reply reply;
        asio::io_context ioc;
        asio::ssl::stream<tcp::socket> stream(ioc, client_cert ? client_tls_ : bare_tls_);
        beast::error_code ec;
        stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        if (ec) return reply;
        timeval tv{10, 0};  // a broken server fails the test instead of hanging it
        ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        stream.handshake(asio::ssl::stream_base::client, ec);
        if (ec) return reply;
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1");
        if (auth) req.set(http::field::authorization, mesh::fresh_authorization(kCreds));
        for (const auto& [k, v] : headers) req.set(k, v);
        req.prepare_payload();
        http::write(stream, req, ec);
        if (ec) return reply;
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(10 * 1024 * 1024);
        http::read(stream, buffer, parser, ec);
        if (ec) return reply;
        const auto& res = parser.get();
        reply.status = res.result_int();
        for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            reply.headers[name] = std::string(f.value());
        }
        reply.body = res.body();
        stream.shutdown(ec);
        return reply;
    }

    std::string inbox() const { return "/messageexchange/" + kCreds.mailbox + "/inbox"; }

    std::vector<std::string> listed() {
        const Reply r = send(http::verb::get, inbox(), {{"Accept", "application/vnd.mesh.v2+json"}});
        EXPECT_EQ(r.status, 200u);
        std::vector<std::string> ids;
        const json::value body = json::parse(r.body);  // kept alive: the loop walks into it
        for (const auto& v : body.at("messages").as_array()) ids.emplace_back(v.as_string());
        return ids;
    }

    fs::path dir_;
    MeshTlsFiles files_;
    asio::io_context ioc_{1};
    asio::ssl::context server_tls_{asio::ssl::context::tls_server};
    asio::ssl::context client_tls_{asio::ssl::context::tls_client};
    asio::ssl::context bare_tls_{asio::ssl::context::tls_client};
    MeshMailbox mailbox_{std::chrono::duration_cast<std::chrono::milliseconds>(kExpiry), nullptr};
    std::optional<MeshSimServer> server_;
    std::thread thread_;
    unsigned short port_ = 0;
    std::optional<GeneratedMessage> plain_, chunked_gzip_, report_, chunked_plain_;
};

TEST_F(MeshServerTest, HandshakeNeedsTheClientHeaders) {
    const std::string path = "/messageexchange/" + kCreds.mailbox;
    const Reply ok = send(http::verb::post, path,
                          {{"mex-ClientVersion", "gpwatch 1"}, {"mex-OSName", "Linux"}, {"mex-OSVersion", "6.1"}});
    EXPECT_EQ(ok.status, 200u);
    EXPECT_EQ(json::parse(ok.body).at("mailboxId").as_string(), kCreds.mailbox);
    const Reply missing = send(http::verb::post, path, {{"mex-ClientVersion", "gpwatch 1"}, {"mex-OSName", "Linux"}});
    EXPECT_EQ(missing.status, 400u);
    EXPECT_TRUE(json::parse(missing.body).as_object().contains("errorDescription"));
}

TEST_F(MeshServerTest, ListsV2AndV1Forms) {
    const Reply v2 = send(http::verb::get, inbox(), {{"Accept", "application/vnd.mesh.v2+json"}});
    ASSERT_EQ(v2.status, 200u);
    const json::object body = json::parse(v2.body).as_object();
    EXPECT_EQ(body.at("messages").as_array().size(), 4u);
    EXPECT_EQ(body.at("messages").as_array()[0].as_string(), plain_->mesh_id);  // oldest first
    EXPECT_EQ(body.at("links").at("self").as_string(), inbox());
    const Reply v1 = send(http::verb::get, inbox());
    ASSERT_EQ(v1.status, 200u);
    const json::object b1 = json::parse(v1.body).as_object();
    EXPECT_EQ(b1.at("messages").as_array().size(), 4u);
    EXPECT_FALSE(b1.contains("links"));
    const Reply paged = send(http::verb::get, inbox() + "?max_results=3", {{"Accept", "application/vnd.mesh.v2+json"}});
    EXPECT_EQ(json::parse(paged.body).at("messages").as_array().size(), 3u);
    EXPECT_TRUE(json::parse(paged.body).at("links").as_object().contains("next"));
}

TEST_F(MeshServerTest, DownloadsAPlainMessageWithItsHeaders) {
    const Reply r = send(http::verb::get, inbox() + "/" + plain_->mesh_id);
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, plain_->body);
    EXPECT_EQ(r.header("mex-messageid"), plain_->mesh_id);
    EXPECT_EQ(r.header("mex-from"), plain_->from_mailbox);
    EXPECT_EQ(r.header("mex-to"), kCreds.mailbox);
    EXPECT_EQ(r.header("mex-workflowid"), "GPCONNECT_UPDATE_RECORD");
    EXPECT_EQ(r.header("mex-messagetype"), "DATA");
    EXPECT_EQ(r.header("mex-chunk-range"), "1:1");
    EXPECT_EQ(r.header("mex-localid"), plain_->local_id);
    EXPECT_FALSE(r.header("mex-filename").empty());
    EXPECT_FALSE(r.header("mex-subject").empty());
    EXPECT_EQ(send(http::verb::get, inbox() + "/20990101000000000_ABCDEF").status, 404u);
    EXPECT_EQ(send(http::verb::get, inbox() + "/" + plain_->mesh_id + "/2").status, 404u);
}

TEST_F(MeshServerTest, ChunkedGzipMessageReassemblesToTheOriginal) {
    const GeneratedMessage& m = *chunked_gzip_;
    std::string whole;
    for (std::uint32_t k = 1; k <= m.chunks; ++k) {
        const std::string target = inbox() + "/" + m.mesh_id + (k == 1 ? std::string() : "/" + std::to_string(k));
        const Reply r = send(http::verb::get, target, {{"Accept-Encoding", "gzip"}});
        EXPECT_EQ(r.status, k < m.chunks ? 206u : 200u) << "chunk " << k;
        EXPECT_EQ(r.header("mex-chunk-range"), std::to_string(k) + ":" + std::to_string(m.chunks));
        EXPECT_EQ(r.header("content-encoding"), "gzip");
        EXPECT_EQ(r.header("mex-content-compressed"), "Y");
        const auto plain = gzip_decompress(r.body, 1 << 24);
        ASSERT_TRUE(plain) << "chunk " << k << " is not a gzip stream of its own";
        whole += *plain;
    }
    EXPECT_EQ(whole, m.body);
    // Without Accept-Encoding: gzip the same chunks come inflated.
    const Reply first = send(http::verb::get, inbox() + "/" + m.mesh_id + "/1");
    EXPECT_EQ(first.header("content-encoding"), "");
    EXPECT_EQ(first.body, whole.substr(0, first.body.size()));
    EXPECT_EQ(send(http::verb::get, inbox() + "/" + m.mesh_id + "/" + std::to_string(m.chunks + 1)).status, 404u);

    std::string plain_whole;
    for (std::uint32_t k = 1; k <= chunked_plain_->chunks; ++k)
        plain_whole += send(http::verb::get, inbox() + "/" + chunked_plain_->mesh_id + "/" + std::to_string(k)).body;
    EXPECT_EQ(plain_whole, chunked_plain_->body);
}

TEST_F(MeshServerTest, ReportHasStatusHeadersAndNoBody) {
    const Reply r = send(http::verb::get, inbox() + "/" + report_->mesh_id);
    ASSERT_EQ(r.status, 200u);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.header("mex-messagetype"), "REPORT");
    EXPECT_EQ(r.header("mex-statuscode"), report_->status_code);
    EXPECT_EQ(r.header("mex-statusdescription"), report_->status_description);
    EXPECT_EQ(r.header("mex-linkedmsgid"), report_->linked_message_id);
}

TEST_F(MeshServerTest, AcknowledgeRemovesAndIsIdempotent) {
    const std::string ack = inbox() + "/" + plain_->mesh_id + "/status/acknowledged";
    EXPECT_EQ(send(http::verb::put, ack).status, 200u);
    const auto ids = listed();
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(std::find(ids.begin(), ids.end(), plain_->mesh_id), ids.end());
    EXPECT_EQ(send(http::verb::put, ack).status, 200u);  // MESH: acknowledging again is 200, no change
    EXPECT_EQ(send(http::verb::get, inbox() + "/" + plain_->mesh_id).status, 410u);
    EXPECT_EQ(send(http::verb::put, inbox() + "/20990101000000000_ABCDEF/status/acknowledged").status, 404u);
    EXPECT_EQ(mailbox_.acknowledged_count(), 1u);
}

TEST_F(MeshServerTest, UnacknowledgedMessagesExpireAs410) {
    std::this_thread::sleep_for(kExpiry + 300ms);
    EXPECT_EQ(send(http::verb::get, inbox() + "/" + plain_->mesh_id).status, 410u);
    EXPECT_EQ(send(http::verb::put, inbox() + "/" + plain_->mesh_id + "/status/acknowledged").status, 410u);
    EXPECT_TRUE(listed().empty());
}

TEST_F(MeshServerTest, RefusesBadAuthorization) {
    EXPECT_EQ(send(http::verb::get, inbox(), {}, false).status, 403u);
    const std::string token = mesh::fresh_authorization(kCreds);
    EXPECT_EQ(send(http::verb::get, inbox(), {{"Authorization", token}}, false).status, 200u);
    const Reply reused = send(http::verb::get, inbox(), {{"Authorization", token}}, false);
    EXPECT_EQ(reused.status, 403u);
    EXPECT_EQ(json::parse(reused.body).at("errorDescription").as_string(), "Error Duplicated Authentication Token");
    const auto stale = mesh::make_authorization(kCreds, mesh::random_nonce(), 1, std::chrono::system_clock::now() - 3h);
    EXPECT_EQ(send(http::verb::get, inbox(), {{"Authorization", stale}}, false).status, 403u);
    const mesh::MeshCredentials wrong{kCreds.mailbox, "guess", kCreds.shared_secret};
    EXPECT_EQ(send(http::verb::get, inbox(), {{"Authorization", mesh::fresh_authorization(wrong)}}, false).status, 403u);
    EXPECT_EQ(send(http::verb::get, "/messageexchange/X26OT999/inbox").status, 403u);  // token for another mailbox
}

TEST_F(MeshServerTest, ListsAtMost500AndPointsToTheRest) {
    // 4 from SetUp plus 600 more, delivered on the server's thread (the mailbox is not shared).
    std::promise<void> delivered;
    asio::post(ioc_, [&] {
        UpdateRecordGenerator generator(99, kCreds.mailbox);
        const auto t0 = std::chrono::system_clock::now() + 1h;
        for (int i = 0; i < 600; ++i) mailbox_.deliver(generator.next(t0 + std::chrono::milliseconds(i)));
        delivered.set_value();
    });
    delivered.get_future().wait();
    const Reply first = send(http::verb::get, inbox(), {{"Accept", "application/vnd.mesh.v2+json"}});
    ASSERT_EQ(first.status, 200u);
    const json::value page = json::parse(first.body);
    const auto& ids = page.at("messages").as_array();
    ASSERT_EQ(ids.size(), 500u);
    EXPECT_EQ(page.at("approx_inbox_count").to_number<std::uint64_t>(), 604u);
    const std::string next(page.at("links").at("next").as_string());
    EXPECT_EQ(next, inbox() + "?continue_from=" + std::string(ids.back().as_string()));
    const Reply rest = send(http::verb::get, next, {{"Accept", "application/vnd.mesh.v2+json"}});
    const json::value page2 = json::parse(rest.body);
    EXPECT_EQ(page2.at("messages").as_array().size(), 104u);
    EXPECT_FALSE(page2.at("links").as_object().contains("next"));
    // v1 has the same cap.
    const Reply v1 = send(http::verb::get, inbox());
    EXPECT_EQ(json::parse(v1.body).at("messages").as_array().size(), 500u);
    EXPECT_EQ(send(http::verb::get, inbox() + "?max_results=501").status, 400u);
}

TEST_F(MeshServerTest, NoClientCertificateNoTls) {
    EXPECT_EQ(send(http::verb::get, inbox(), {}, true, false).status, 0u);
    EXPECT_EQ(send(http::verb::get, inbox()).status, 200u);
}

}  // namespace
}  // namespace gpwatch::sim
