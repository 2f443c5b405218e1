// Runs `gpwatch-sim clinical` as a child process on an ephemeral port and talks to it as a
// client would: wss with the written CA, bearer token, subscribe / replay / ack, and chaos.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// The simulator as a child process, its stdout read line by line.
class SimProcess {
public:
    SimProcess(const std::vector<std::string>& args, const std::string& log_path) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log >= 0) ::dup2(log, 2);
            ::close(fds[0]);
            ::close(fds[1]);
            std::vector<char*> argv;
            argv.push_back(const_cast<char*>(GPWATCH_SIM_BIN));
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(GPWATCH_SIM_BIN, argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = fds[0];
    }

    ~SimProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }

    std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                    std::chrono::steady_clock::now());
            if (left <= 0ms) return std::nullopt;
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[512];
            const ssize_t n = ::read(out_, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // SIGTERM, then the exit code (or -signal).
    int terminate() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            }
            std::this_thread::sleep_for(50ms);
        }
        return -999;  // still running after 5 s
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string buffer_;
};

// One wss connection; every operation has a deadline so a broken server fails the test, not hangs it.
class FeedClient {
public:
    explicit FeedClient(const std::string& ca_file) {
        tls_.load_verify_file(ca_file);
        tls_.set_verify_mode(asio::ssl::verify_peer);
    }

    // Connects and upgrades; returns the HTTP status of the upgrade response (101 on success).
    unsigned connect(unsigned short port, const std::optional<std::string>& token, const std::string& path = "/feed") {
        ws_.emplace(ioc_, tls_);
        ws_->next_layer().set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
        beast::error_code ec;
        ws_->next_layer().next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
        if (ec) return 0;
        if (run([&](auto h) { ws_->next_layer().async_handshake(asio::ssl::stream_base::client, h); })) return 0;
        ws_->set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
            if (token) req.set(http::field::authorization, "Bearer " + *token);
        }));
        websocket::response_type response;
        run([&](auto h) { ws_->async_handshake(response, "127.0.0.1:" + std::to_string(port), path, h); });
        return response.result_int();
    }

    beast::error_code send(const std::string& text) {
        return run([&](auto h) { ws_->async_write(asio::buffer(text), h); });
    }

    // The next frame as JSON, or nullopt when the connection ended (error or close) or timed out.
    std::optional<json::object> receive(std::chrono::milliseconds timeout = 10s) {
        beast::flat_buffer buffer;
        if (run([&](auto h) { ws_->async_read(buffer, h); }, timeout)) return std::nullopt;
        return json::parse(beast::buffers_to_string(buffer.data())).as_object();
    }

    void close() {
        run([&](auto h) { ws_->async_close(websocket::close_code::normal, h); }, 2s);
    }

private:
    template <class Start>
    beast::error_code run(Start start, std::chrono::milliseconds timeout = 10s) {
        std::optional<beast::error_code> result;
        start([&](beast::error_code ec, auto&&...) { result = ec; });
        ioc_.restart();
        ioc_.run_for(timeout);
        if (!result) {
            beast::error_code ignored;
            beast::get_lowest_layer(*ws_).close(ignored);
            ioc_.restart();
            ioc_.run();
            return asio::error::timed_out;
        }
        return *result;
    }

    asio::io_context ioc_;
    asio::ssl::context tls_{asio::ssl::context::tls_client};
    std::optional<websocket::stream<asio::ssl::stream<tcp::socket>>> ws_;
};

struct Started {
    unsigned short port = 0;
    std::string ca_file;
};

class ClinicalServer : public testing::Test {
protected:
    void SetUp() override {
        const auto* info = testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(testing::TempDir()) / (std::string("gpwatch-sim-") + info->name() + "-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    Started start(std::vector<std::string> extra) {
        std::vector<std::string> args = {"clinical", "--listen", "127.0.0.1:0", "--cert-dir", (dir_ / "certs").string(),
                                         "--journal", journal()};
        args.insert(args.end(), extra.begin(), extra.end());
        sim_.emplace(args, (dir_ / "sim.log").string());
        const auto line = sim_->read_line(10s);
        if (!line) throw std::runtime_error("no listening line from the simulator");
        std::smatch m;
        static const std::regex listening(
            R"(gpwatch-sim clinical: listening on wss://127\.0\.0\.1:(\d+)/feed \(ca: (.+), seed (\d+)\))");
        if (!std::regex_match(*line, m, listening)) throw std::runtime_error("unexpected line: " + *line);
        return {static_cast<unsigned short>(std::stoi(m[1])), m[2]};
    }

    std::string journal() const { return (dir_ / "journal.jsonl").string(); }

    std::vector<std::string> journal_lines() const {
        std::ifstream in(journal());
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }

    static std::string subscribe(std::uint64_t after, const std::string& practice = "C84001") {
        return json::serialize(json::object{{"type", "subscribe"}, {"practice", practice}, {"after", after}});
    }

    fs::path dir_;
    std::optional<SimProcess> sim_;
};

std::uint64_t seq_of(const json::object& frame) { return frame.at("seq").to_number<std::uint64_t>(); }

TEST_F(ClinicalServer, ReplaysAfterTheGivenSeqInOrderThenHeartbeats) {
    const Started s = start({"--rate", "200", "--count", "25", "--seed", "7", "--heartbeat", "0.3"});
    ASSERT_EQ(sim_->read_line(10s), "gpwatch-sim clinical: all 25 events generated");

    FeedClient client(s.ca_file);
    ASSERT_EQ(client.connect(s.port, "gpwatch-sim-token"), 101u);
    ASSERT_FALSE(client.send(subscribe(3)));

    const auto lines = journal_lines();
    ASSERT_EQ(lines.size(), 25u);
    std::uint64_t expected = 4;
    bool heartbeat_seen = false;
    while (expected <= 25 || !heartbeat_seen) {
        auto frame = client.receive();
        ASSERT_TRUE(frame) << "connection ended waiting for seq " << expected;
        const std::string type(frame->at("type").as_string());
        if (type == "heartbeat") {
            if (expected > 25) {
                EXPECT_EQ(seq_of(*frame), 25u);
                heartbeat_seen = true;
            }
            continue;
        }
        ASSERT_EQ(type, "event");
        ASSERT_EQ(seq_of(*frame), expected) << "replay must start at 4 and have no gaps";
        EXPECT_EQ(json::serialize(*frame), lines[expected - 1]) << "frame differs from the journal";
        EXPECT_EQ(frame->at("practice").as_string(), "C84001");
        ASSERT_FALSE(client.send(json::serialize(json::object{{"type", "ack"}, {"seq", expected}})));
        ++expected;
    }
    client.close();
    EXPECT_EQ(sim_->terminate(), 0);
}

TEST_F(ClinicalServer, RefusesMissingOrWrongTokenAndOtherPaths) {
    const Started s = start({"--rate", "50", "--token", "sesame"});
    {
        FeedClient client(s.ca_file);
        EXPECT_EQ(client.connect(s.port, std::nullopt), 401u);
    }
    {
        FeedClient client(s.ca_file);
        EXPECT_EQ(client.connect(s.port, "gpwatch-sim-token"), 401u);
    }
    {
        FeedClient client(s.ca_file);
        EXPECT_EQ(client.connect(s.port, "sesame", "/other"), 404u);
    }
    {
        FeedClient client(s.ca_file);
        EXPECT_EQ(client.connect(s.port, "sesame"), 101u);
    }
    EXPECT_EQ(sim_->terminate(), 0);
}

TEST_F(ClinicalServer, WrongPracticeOrMalformedSubscribeGetsAnErrorThenClose) {
    const Started s = start({"--rate", "50"});
    for (const std::string& request : {subscribe(0, "A99999"), std::string(R"({"type":"subscribe","practice":"C84001"})"),
                                       std::string("not json")}) {
        FeedClient client(s.ca_file);
        ASSERT_EQ(client.connect(s.port, "gpwatch-sim-token"), 101u);
        ASSERT_FALSE(client.send(request));
        auto frame = client.receive();
        ASSERT_TRUE(frame) << request;
        EXPECT_EQ(frame->at("type").as_string(), "error") << request;
        EXPECT_FALSE(frame->at("message").as_string().empty());
        EXPECT_FALSE(client.receive(5s)) << "the server must close after the error";
    }
    EXPECT_EQ(sim_->terminate(), 0);
}

TEST_F(ClinicalServer, EventsAreGeneratedWithoutSubscribersAndStreamLive) {
    const Started s = start({"--rate", "20", "--heartbeat", "0.5"});
    std::this_thread::sleep_for(600ms);  // events accumulate with nobody connected
    FeedClient client(s.ca_file);
    ASSERT_EQ(client.connect(s.port, "gpwatch-sim-token"), 101u);
    ASSERT_FALSE(client.send(subscribe(0)));
    std::uint64_t expected = 1;
    while (expected <= 30) {
        auto frame = client.receive();
        ASSERT_TRUE(frame);
        if (frame->at("type").as_string() != "event") continue;
        ASSERT_EQ(seq_of(*frame), expected++);
    }
    EXPECT_EQ(sim_->terminate(), 0);
}

TEST_F(ClinicalServer, ChaosDropsConnectionsButNeverLosesEvents) {
    constexpr std::uint64_t kCount = 120;
    const Started s = start({"--rate", "40", "--count", std::to_string(kCount), "--chaos", "--heartbeat", "0.5"});
    std::vector<std::string> received;
    int connections = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (received.size() < kCount && std::chrono::steady_clock::now() < deadline) {
        FeedClient client(s.ca_file);
        ++connections;
        if (client.connect(s.port, "gpwatch-sim-token") != 101u) continue;
        if (client.send(subscribe(received.size()))) continue;
        while (auto frame = client.receive()) {
            if (frame->at("type").as_string() != "event") continue;
            ASSERT_EQ(seq_of(*frame), received.size() + 1) << "a gap after resubscribing: an event was lost";
            received.push_back(json::serialize(*frame));
            if (client.send(json::serialize(json::object{{"type", "ack"}, {"seq", received.size()}}))) break;
        }
    }
    ASSERT_EQ(received.size(), kCount);
    EXPECT_GT(connections, 1) << "chaos should have dropped at least one connection";
    ASSERT_TRUE(sim_->read_line(10s).has_value());  // "all N events generated"
    EXPECT_EQ(journal_lines(), received);
    EXPECT_EQ(sim_->terminate(), 0);

    // Which kinds of drop happened this time (random: informational only).
    std::ifstream log(dir_ / "sim.log");
    int clean = 0, tcp = 0, mid_frame = 0;
    for (std::string line; std::getline(log, line);) {
        clean += line.find("chaos: closing") != std::string::npos;
        tcp += line.find("chaos: dropping") != std::string::npos;
        mid_frame += line.find("chaos: cutting") != std::string::npos;
    }
    std::cout << "chaos drops: " << clean << " clean close, " << tcp << " TCP close, " << mid_frame
              << " mid-frame; " << connections << " connections\n";
}

}  // namespace
