#include "connectors/lmc_upload/lmc_uploader.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <curl/curl.h>
#include <gtest/gtest.h>

using namespace gpwatch;
using namespace gpwatch::lmc_upload;
namespace fs = std::filesystem;

namespace {

// Bytes like a SignedIncidentReport's: binary, with NULs, so a text-only path would be caught.
const std::string kBody("\x0a\x05\x00\x01\x02\xff\x7f\x12\x40signed\x00report", 20);

curl::PostResponse answered(long status, std::string body) {
    curl::PostResponse r;
    r.transport_ok = true;
    r.status = status;
    r.body = std::move(body);
    return r;
}

std::string json_answer(const std::string& status, const std::string& detail, const std::string& digest = "") {
    std::string s = R"({"status": ")" + status + R"(", "detail": ")" + detail + "\"";
    if (!digest.empty()) s += R"(, "digest": ")" + digest + "\"";
    return s + "}";
}

}  // namespace

// ---- The rules, without a network ----

TEST(LmcUploadOutcome, DigestIsSha256HexOfTheBytes) {
    // Known answer: printf 'abc' | sha256sum
    EXPECT_EQ(body_digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LmcUploadOutcome, StoredIsDelivered) {
    const auto o = classify(answered(201, json_answer("stored", "ok", body_digest(kBody))), kBody);
    EXPECT_EQ(o.result, UploadResult::delivered);
    EXPECT_EQ(o.http_status, 201);
    EXPECT_EQ(o.status_word, "stored");
}

TEST(LmcUploadOutcome, ReplayedIsDeliveredOnlyWhenTheDigestIsOurs) {
    auto o = classify(answered(409, json_answer("replayed", "already stored", body_digest(kBody))), kBody);
    EXPECT_EQ(o.result, UploadResult::delivered);
    o = classify(answered(409, json_answer("replayed", "already stored", body_digest("other"))), kBody);
    EXPECT_EQ(o.result, UploadResult::refused);
    EXPECT_NE(o.error.find("digest"), std::string::npos);
    o = classify(answered(409, json_answer("replayed", "already stored")), kBody);
    EXPECT_EQ(o.result, UploadResult::refused) << "no digest at all proves nothing";
    o = classify(answered(409, json_answer("superseded", "revision 2 is stored", body_digest(kBody))), kBody);
    EXPECT_EQ(o.result, UploadResult::refused) << "only 'replayed' means our bytes are there";
    EXPECT_EQ(o.status_word, "superseded");
}

TEST(LmcUploadOutcome, ServerTroubleAndRateLimitsAreRetried) {
    auto o = classify(answered(503, json_answer("unavailable", "busy")), kBody);
    EXPECT_EQ(o.result, UploadResult::retryable);
    EXPECT_EQ(o.cause, RetryCause::server_error);
    o = classify(answered(502, "<html>Bad Gateway</html>"), kBody);
    EXPECT_EQ(o.result, UploadResult::retryable);
    EXPECT_EQ(o.detail, "<html>Bad Gateway</html>");
    o = classify(answered(429, json_answer("slow_down", "too many")), kBody);
    EXPECT_EQ(o.cause, RetryCause::rate_limited);
}

TEST(LmcUploadOutcome, EveryOtherAnswerIsRefusedWithStatusWordAndDetail) {
    for (const auto& [code, word] : std::vector<std::pair<long, std::string>>{
             {400, "malformed"}, {401, "bad_signature"}, {403, "unknown_practice"}, {403, "unregistered_key"},
             {413, "too_large"}, {415, "wrong_content_type"}, {422, "future_dated"}, {404, "not_found"}, {200, "ok"}}) {
        const auto o = classify(answered(code, json_answer(word, "because " + word)), kBody);
        EXPECT_EQ(o.result, UploadResult::refused) << code;
        EXPECT_EQ(o.http_status, code);
        EXPECT_EQ(o.status_word, word);
        EXPECT_EQ(o.detail, "because " + word);
        EXPECT_NE(o.error.find("HTTP " + std::to_string(code) + " " + word), std::string::npos) << o.error;
    }
}

TEST(LmcUploadOutcome, AnEchoedIdentifierNeverReachesTheError) {
    const auto o = classify(answered(400, json_answer("malformed", "field holds 943 476 5919")), kBody);
    EXPECT_EQ(o.detail.find("5919"), std::string::npos) << o.detail;
    EXPECT_EQ(o.error.find("5919"), std::string::npos) << o.error;
}

TEST(LmcUploadOutcome, TransportFailuresSayWhich) {
    curl::PostResponse r;
    r.error = "Connection refused";
    r.curl_code = CURLE_COULDNT_CONNECT;
    EXPECT_EQ(classify(r, kBody).cause, RetryCause::connection);
    r.timed_out = true;
    EXPECT_EQ(classify(r, kBody).cause, RetryCause::timeout);
    r = {};
    r.curl_code = CURLE_RECV_ERROR;
    r.error = "OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0";
    EXPECT_EQ(classify(r, kBody).cause, RetryCause::tls);
    EXPECT_EQ(classify(r, kBody).result, UploadResult::retryable);
}

TEST(LmcUploadOptions, EachProblemIsNamed) {
    UploadOptions o;
    o.url = "http://lmc.example/v1/reports";
    EXPECT_NE(check_options(o).find("https://"), std::string::npos);
    o.url = "https://lmc.example/v1/reports";
    EXPECT_EQ(check_options(o), "");
    o.client_cert_file = "/etc/hosts";
    EXPECT_NE(check_options(o).find("both"), std::string::npos);
    o.client_key_file = "/no/such/practice-lmc.key";
    EXPECT_NE(check_options(o).find("/no/such/practice-lmc.key"), std::string::npos);
    EXPECT_THROW(LmcUploader{o}, std::invalid_argument);
}

// ---- The real client against a real mutual-TLS server ----

class LmcUploaderAgainstCollector : public testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = fs::path(testing::TempDir()) / ("lmc-upload-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        int out[2];
        ASSERT_EQ(::pipe(out), 0);
        pid_ = ::fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::close(out[0]);
            ::close(out[1]);
            ::execl("/usr/bin/python3", "python3", GPWATCH_COLLECTOR_STUB, dir_.c_str(), nullptr);
            ::_exit(127);
        }
        ::close(out[1]);
        // The stub makes its certificates first, then says its port.
        FILE* f = ::fdopen(out[0], "r");
        char line[256] = "";
        ASSERT_NE(std::fgets(line, sizeof line, f), nullptr) << "lmc_collector_stub.py did not start";
        std::fclose(f);
        ASSERT_EQ(std::sscanf(line, "collector_stub: listening on %d", &port_), 1) << line;
    }
    static void TearDownTestSuite() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        fs::remove_all(dir_);
    }

    static UploadOptions options(const std::string& path) {
        UploadOptions o;
        o.url = "https://127.0.0.1:" + std::to_string(port_) + path;
        o.ca_file = (dir_ / "ca.pem").string();
        o.client_cert_file = (dir_ / "client.pem").string();
        o.client_key_file = (dir_ / "client.key").string();
        o.timeout = std::chrono::seconds(10);
        return o;
    }
    static std::string last_body() {
        std::ifstream in(dir_ / "last_body", std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    static inline fs::path dir_;
    static inline pid_t pid_ = -1;
    static inline int port_ = 0;
};

TEST_F(LmcUploaderAgainstCollector, StoredReportIsDeliveredWithTheExactBytes) {
    LmcUploader up(options("/v1/reports"));
    const auto o = up.upload(kBody);
    EXPECT_EQ(o.result, UploadResult::delivered) << o.error;
    EXPECT_EQ(o.http_status, 201);
    EXPECT_EQ(last_body(), kBody);
}

TEST_F(LmcUploaderAgainstCollector, ReplayedWithOurDigestIsDelivered) {
    LmcUploader up(options("/replayed"));
    const auto o = up.upload(kBody);
    EXPECT_EQ(o.result, UploadResult::delivered) << o.error;
    EXPECT_EQ(o.http_status, 409);
}

TEST_F(LmcUploaderAgainstCollector, ReplayedWithAnotherDigestIsRefused) {
    LmcUploader up(options("/replayed-other"));
    const auto o = up.upload(kBody);
    EXPECT_EQ(o.result, UploadResult::refused);
    EXPECT_EQ(o.http_status, 409);
    EXPECT_EQ(o.status_word, "replayed");
}

TEST_F(LmcUploaderAgainstCollector, ServiceUnavailableIsRetried) {
    LmcUploader up(options("/busy"));
    const auto o = up.upload(kBody);
    EXPECT_EQ(o.result, UploadResult::retryable);
    EXPECT_EQ(o.cause, RetryCause::server_error);
    EXPECT_EQ(o.http_status, 503);
}

TEST_F(LmcUploaderAgainstCollector, MalformedIsRefusedWithTheCollectorsDetail) {
    LmcUploader up(options("/malformed"));
    const auto o = up.upload(kBody);
    EXPECT_EQ(o.result, UploadResult::refused);
    EXPECT_EQ(o.http_status, 400);
    EXPECT_EQ(o.status_word, "malformed");
    EXPECT_NE(o.detail.find("inner report unparseable"), std::string::npos) << o.detail;
    EXPECT_EQ(o.detail.find("9434765919"), std::string::npos) << o.detail;
}

TEST_F(LmcUploaderAgainstCollector, CollectorDownIsRetriedAsConnectionTrouble) {
    // A port that was free a moment ago: nothing listens there.
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    auto o = options("/v1/reports");
    o.url = "https://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/v1/reports";
    LmcUploader up(o);
    const auto out = up.upload(kBody);
    EXPECT_EQ(out.result, UploadResult::retryable);
    EXPECT_EQ(out.cause, RetryCause::connection) << out.error;
    EXPECT_EQ(out.http_status, 0);
}

TEST_F(LmcUploaderAgainstCollector, NoClientCertificateFailsTheHandshake) {
    auto o = options("/v1/reports");
    o.client_cert_file.clear();
    o.client_key_file.clear();
    LmcUploader up(o);
    const auto out = up.upload(kBody);
    EXPECT_EQ(out.result, UploadResult::retryable);
    // TLS 1.3 refuses the client after the client's side of the handshake: depending on whether
    // the server's alert arrives before its reset, libcurl reports a TLS error or a lost connection.
    EXPECT_TRUE(out.cause == RetryCause::tls || out.cause == RetryCause::connection_lost) << out.error;
    EXPECT_NE(out.error.find("client_cert_file"), std::string::npos) << "tells the admin what to check";
}

TEST_F(LmcUploaderAgainstCollector, ClientCertificateFromAnotherCaFailsTheHandshake) {
    fs::remove(dir_ / "last_body");
    auto o = options("/v1/reports");
    o.client_cert_file = (dir_ / "stranger.pem").string();
    o.client_key_file = (dir_ / "stranger.key").string();
    LmcUploader up(o);
    const auto out = up.upload(kBody);
    EXPECT_EQ(out.result, UploadResult::retryable);
    EXPECT_TRUE(out.cause == RetryCause::tls || out.cause == RetryCause::connection_lost) << out.error;
    EXPECT_NE(out.error.find("client_cert_file"), std::string::npos);
    EXPECT_EQ(last_body(), "") << "the collector never saw the report";
}

TEST_F(LmcUploaderAgainstCollector, CollectorCertificateFromAnotherCaIsNotTrusted) {
    auto o = options("/v1/reports");
    o.ca_file = (dir_ / "other-ca.pem").string();
    LmcUploader up(o);
    const auto out = up.upload(kBody);
    EXPECT_EQ(out.result, UploadResult::retryable);
    EXPECT_EQ(out.cause, RetryCause::tls) << out.error;
}

TEST_F(LmcUploaderAgainstCollector, SlowCollectorTimesOut) {
    auto o = options("/slow");
    o.timeout = std::chrono::seconds(1);
    LmcUploader up(o);
    const auto out = up.upload(kBody);
    EXPECT_EQ(out.result, UploadResult::retryable);
    EXPECT_EQ(out.cause, RetryCause::timeout) << out.error;
}

TEST_F(LmcUploaderAgainstCollector, CancelStopsAnUploadInProgress) {
    LmcUploader up(options("/slow"));
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        up.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = up.upload(kBody);
    canceller.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4)) << "did not wait for the answer";
    EXPECT_EQ(out.result, UploadResult::retryable);
    EXPECT_EQ(out.cause, RetryCause::cancelled);
    EXPECT_EQ(up.upload(kBody).cause, RetryCause::cancelled) << "stays cancelled";
}
