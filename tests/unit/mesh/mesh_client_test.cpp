// The real MeshClient against the real MESH simulator server (sim/mesh), in-process on an
// ephemeral port, over mutual TLS with the simulator's certificates. The server runs on its own
// thread and io_context; the client on the test thread's, driven by run_until().
//
// What is shown: handshake, polling, every message downloaded once (chunked, gzip, REPORT),
// nothing acknowledged until the test says so (a new client still sees the rest), paging past
// 500 ids, a wrong password reported as credentials_refused without a retry loop, recovery from
// 5xx and dropped connections, and a size cap.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/mesh/mesh_client.hpp"
#include "sim/common/journal.hpp"
#include "sim/mesh/mesh_certs.hpp"
#include "sim/mesh/mesh_mailbox.hpp"
#include "sim/mesh/mesh_sim_server.hpp"
#include "sim/mesh/update_record_generator.hpp"

namespace gpwatch::mesh {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using sim::GeneratedMessage;

const MeshCredentials kCreds{"C84001OT001", "test-password", "test-shared-secret"};

// One client with what it handed over and reported.
struct ClientRun {
    asio::io_context ioc{1};
    std::vector<MeshMessage> messages;
    std::vector<MeshReport> reports;
    std::function<void(const MeshMessage&)> then;  // runs after a message was recorded
    std::optional<MeshClient> client;

    explicit ClientRun(MeshClientOptions options) {
        client.emplace(
            ioc.get_executor(), std::move(options),
            [this](MeshMessage&& m) {
                messages.push_back(std::move(m));
                if (then) then(messages.back());
            },
            [this](const MeshReport& r) { reports.push_back(r); });
        client->start();
    }

    ~ClientRun() { stop(); }

    // Runs the client's io_context until `done` holds or `timeout` passes; returns `done()`.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done() && std::chrono::steady_clock::now() < deadline) ioc.run_for(10ms);
        return done();
    }
    void run_for(std::chrono::milliseconds d) {
        run_until([] { return false; }, d);
    }

    void stop() {
        if (!client) return;
        bool stopped = false;
        client->stop([&] { stopped = true; });
        EXPECT_TRUE(run_until([&] { return stopped; }, 5s)) << "the client did not stop";
        client.reset();
    }

    std::size_t count(MeshEvent e) const {
        std::size_t n = 0;
        for (const auto& r : reports) n += r.event == e;
        return n;
    }
    std::set<std::string> ids() const {
        std::set<std::string> s;
        for (const auto& m : messages) s.insert(m.message_id);
        return s;
    }
};

class MeshClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("gpwatch-mesh-client-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        files_ = sim::ensure_mesh_certificates(dir_.string(), kCreds.mailbox);
        sim::configure_mesh_tls(server_tls_, files_.server_cert, files_.server_key, files_.ca_cert);
        journal_path_ = (dir_ / "journal.jsonl").string();
        journal_.emplace(journal_path_);
        mailbox_.emplace(std::chrono::hours(1), &*journal_);
    }

    void TearDown() override {
        if (server_) {
            on_server([this] { server_->stop(); });
            sioc_.stop();
        }
        if (thread_.joinable()) thread_.join();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void start_server(bool chaos = false, double chaos_probability = 0.0) {
        sim::MeshServerSettings settings;
        settings.credentials = kCreds;
        settings.chaos = chaos;
        settings.chaos_probability = chaos_probability;
        settings.chaos_seed = 7;
        server_.emplace(sioc_, server_tls_, *mailbox_, settings);
        port_ = server_->bind("127.0.0.1", 0).port();
        server_->start();
        thread_ = std::thread([this] { sioc_.run(); });
    }

    // Puts `n` generated messages in the inbox: at least two chunked, two gzip, one both, and two
    // REPORTs among them, the rest as they come. Call before start_server().
    void fill(std::size_t n, std::uint64_t seed = 5) {
        sim::UpdateRecordGenerator generator(seed, kCreds.mailbox);
        const auto t0 = std::chrono::system_clock::now();
        int chunked = 0, gzip = 0, both = 0, reports = 0;
        std::vector<GeneratedMessage> rest;
        std::vector<GeneratedMessage> chosen;
        for (int i = 0; i < 20000 && chosen.size() < n; ++i) {
            GeneratedMessage m = generator.next(t0 + std::chrono::milliseconds(i));
            bool wanted = false;
            if (m.message_type == "REPORT") wanted = reports++ < 2;
            else if (m.chunks > 1 && m.gzip) wanted = both++ < 1;
            else if (m.chunks > 1) wanted = chunked++ < 2;
            else if (m.gzip) wanted = gzip++ < 2;
            if (wanted) chosen.push_back(std::move(m));
            else if (chosen.size() + rest.size() < n) rest.push_back(std::move(m));
            if (chosen.size() >= 7 && chosen.size() + rest.size() >= n) break;
        }
        ASSERT_GE(chosen.size(), std::min<std::size_t>(n, 7)) << "the generator made too few of a kind";
        for (auto& m : rest)
            if (chosen.size() < n) chosen.push_back(std::move(m));
        ASSERT_EQ(chosen.size(), n);
        // Delivered in arrival order (ids sort by time), as MESH lists oldest first.
        std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.mesh_id < b.mesh_id; });
        for (auto& m : chosen) {
            const std::string id = m.mesh_id;
            ASSERT_TRUE(mailbox_->deliver(m));
            expected_.emplace(id, std::move(m));
        }
    }

    MeshClientOptions options() const {
        MeshClientOptions o;
        o.url = "https://127.0.0.1:" + std::to_string(port_);
        o.credentials = kCreds;
        o.ca_file = files_.ca_cert;
        o.client_cert_file = files_.client_cert;
        o.client_key_file = files_.client_key;
        o.poll_interval = 100ms;
        o.handshake_interval = 1h;
        o.request_timeout = 5s;
        o.retry_initial = 20ms;
        o.retry_max = 200ms;
        // credentials_backoff stays at its default (5 minutes), as gpwatchd runs it.
        return o;
    }

    // Runs `f` on the server's thread (the mailbox belongs to it) and waits for it.
    template <class F>
    auto on_server(F f) -> decltype(f()) {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        asio::post(sioc_, [&task] { task(); });
        return result.get();
    }
    std::uint64_t server_acknowledged() {
        return on_server([this] { return mailbox_->acknowledged_count(); });
    }

    // The journal's lines of one event, as ids.
    std::multiset<std::string> journal_ids(const std::string& event) const {
        std::multiset<std::string> ids;
        std::ifstream in(journal_path_);
        for (std::string line; std::getline(in, line);) {
            const json::object o = json::parse(line).as_object();
            if (o.at("event").as_string() == event) ids.insert(std::string(o.at("id").as_string()));
        }
        return ids;
    }

    // The message as the simulator made it.
    void expect_faithful(const MeshMessage& got) {
        auto it = expected_.find(got.message_id);
        ASSERT_NE(it, expected_.end()) << "a message the inbox never held: " << got.message_id;
        const GeneratedMessage& want = it->second;
        EXPECT_EQ(got.to, kCreds.mailbox);
        EXPECT_EQ(got.workflow_id, want.workflow_id);
        EXPECT_EQ(got.local_id, want.local_id);
        EXPECT_EQ(got.subject, want.subject);
        if (want.message_type == "REPORT") {
            EXPECT_EQ(got.type, MeshMessageType::report) << got.message_id;
            EXPECT_TRUE(got.body.empty());
            EXPECT_EQ(got.status_code, want.status_code);
            EXPECT_EQ(got.status_description, want.status_description);
            EXPECT_EQ(got.linked_message_id, want.linked_message_id);
            EXPECT_EQ(got.chunks, 1u);
        } else {
            EXPECT_EQ(got.type, MeshMessageType::data) << got.message_id;
            EXPECT_EQ(got.from, want.from_mailbox);
            EXPECT_EQ(got.chunks, want.chunks) << got.message_id;
            EXPECT_EQ(got.content_compressed, want.gzip) << got.message_id;
            EXPECT_EQ(got.body.size(), want.body.size()) << got.message_id;
            EXPECT_TRUE(got.body == want.body) << "body of " << got.message_id << " differs";
        }
    }

    fs::path dir_;
    sim::MeshTlsFiles files_;
    std::string journal_path_;
    asio::io_context sioc_{1};
    asio::ssl::context server_tls_{asio::ssl::context::tls_server};
    std::optional<sim::Journal> journal_;
    std::optional<sim::MeshMailbox> mailbox_;
    std::optional<sim::MeshSimServer> server_;
    std::thread thread_;
    unsigned short port_ = 0;
    std::map<std::string, GeneratedMessage> expected_;
};

TEST_F(MeshClientTest, DownloadsEverythingAndAcknowledgesOnlyWhatItIsTold) {
    fill(30);
    start_server();
    std::uint32_t all_chunks = 0;
    for (const auto& [id, m] : expected_) all_chunks += m.message_type == "REPORT" ? 1 : m.chunks;

    std::set<std::string> acked;
    {
        ClientRun a(options());
        ASSERT_TRUE(a.run_until([&] { return a.messages.size() >= 30; }, 15s))
            << a.messages.size() << " of 30 handed over";
        a.run_for(500ms);  // several more polls: nothing is handed over twice
        ASSERT_EQ(a.messages.size(), 30u);
        EXPECT_EQ(a.ids().size(), 30u);
        for (const auto& m : a.messages) expect_faithful(m);
        const auto& c = a.client->counters();
        EXPECT_EQ(c.handshakes, 1u);
        EXPECT_GE(c.polls, 3u);
        EXPECT_EQ(c.downloads, 30u);
        EXPECT_EQ(c.chunks, all_chunks);
        EXPECT_EQ(c.acks, 0u);
        EXPECT_EQ(a.client->in_flight(), 30u);
        EXPECT_TRUE(a.client->healthy());
        EXPECT_TRUE(a.reports.empty());
        // Downloaded is not acknowledged: MESH has been told nothing.
        EXPECT_EQ(server_acknowledged(), 0u);
        EXPECT_TRUE(journal_ids("acknowledged").empty());

        // The "daemon" makes every other message durable; only those are acknowledged.
        for (std::size_t i = 0; i < a.messages.size(); i += 2) {
            acked.insert(a.messages[i].message_id);
            a.client->acknowledge(a.messages[i].message_id);
        }
        a.client->acknowledge("20990101000000000_NOTOURS");  // never handed over: ignored
        ASSERT_TRUE(a.run_until([&] { return a.client->counters().acks == acked.size(); }, 10s));
        a.run_for(300ms);
        EXPECT_EQ(a.client->counters().acks, acked.size());
        EXPECT_EQ(a.client->in_flight(), 30u - acked.size());
        EXPECT_EQ(a.messages.size(), 30u);
    }
    EXPECT_EQ(server_acknowledged(), acked.size());
    // The journal says exactly which, each once.
    const auto journalled = journal_ids("acknowledged");
    EXPECT_EQ(journalled.size(), acked.size());
    EXPECT_EQ(std::set<std::string>(journalled.begin(), journalled.end()), acked);
    EXPECT_EQ(journal_ids("delivered").size(), 30u);

    // A new client (a restarted daemon) is offered exactly the unacknowledged ones again.
    ClientRun b(options());
    ASSERT_TRUE(b.run_until([&] { return b.messages.size() >= 15; }, 10s)) << b.messages.size();
    b.run_for(300ms);
    std::set<std::string> rest;
    for (const auto& [id, m] : expected_)
        if (!acked.count(id)) rest.insert(id);
    EXPECT_EQ(b.ids(), rest);
    EXPECT_EQ(b.messages.size(), rest.size());
    EXPECT_EQ(b.client->counters().acks, 0u);
}

TEST_F(MeshClientTest, PagesPastFiveHundredIdsInOnePoll) {
    fill(520);
    start_server();
    auto o = options();
    o.poll_interval = 1h;  // only paging within the first poll can bring the last 20
    ClientRun a(o);
    ASSERT_TRUE(a.run_until([&] { return a.messages.size() >= 520; }, 20s)) << a.messages.size() << " of 520";
    EXPECT_EQ(a.ids().size(), 520u);
    EXPECT_EQ(a.client->counters().polls, 2u);  // the first page of 500, then links.next
}

TEST_F(MeshClientTest, WrongPasswordIsACredentialsErrorWithoutATightLoop) {
    fill(7);
    start_server();
    auto o = options();
    o.credentials.password = "not-the-password";
    ClientRun a(o);
    a.run_for(2500ms);
    const auto& c = a.client->counters();
    // One handshake refused, then a long wait (credentials_backoff), not a retry every
    // retry_initial (20 ms here, which would be ~100 requests).
    EXPECT_EQ(c.requests, 1u);
    EXPECT_EQ(c.errors_credentials, 1u);
    ASSERT_EQ(a.count(MeshEvent::credentials_refused), 1u);
    EXPECT_EQ(a.reports.front().http_status, 403);
    EXPECT_NE(a.reports.front().detail.find("credentials"), std::string::npos) << a.reports.front().detail;
    EXPECT_EQ(a.reports.front().detail.find("not-the-password"), std::string::npos) << "a secret in a report";
    EXPECT_TRUE(a.messages.empty());
    EXPECT_FALSE(a.client->healthy());
    EXPECT_EQ(server_acknowledged(), 0u);

    // A wrong shared secret is refused the same way.
    a.stop();
    auto o2 = options();
    o2.credentials.shared_secret = "another-environment";
    ClientRun b(o2);
    b.run_for(1s);
    EXPECT_EQ(b.client->counters().requests, 1u);
    EXPECT_EQ(b.count(MeshEvent::credentials_refused), 1u);
}

TEST_F(MeshClientTest, RecoversFromServerErrorsAndDroppedConnections) {
    fill(40);
    start_server(true, 0.25);  // a quarter of requests: 500, 503, or a dropped connection
    ClientRun a(options());
    a.then = [&](const MeshMessage& m) { a.client->acknowledge(m.message_id); };  // durable at once
    ASSERT_TRUE(a.run_until([&] { return server_acknowledged() == 40; }, 25s))
        << server_acknowledged() << " of 40 acknowledged; " << a.messages.size() << " handed over";
    const auto& c = a.client->counters();
    EXPECT_GT(c.errors_server + c.errors_connection, 0u) << "chaos did not happen";
    EXPECT_GE(a.count(MeshEvent::recovered), 1u);
    EXPECT_EQ(a.count(MeshEvent::credentials_refused), 0u);  // a fresh token per retry: never "reused"
    // Each message handed over exactly once, whole, despite retries.
    EXPECT_EQ(a.messages.size(), 40u);
    EXPECT_EQ(a.ids().size(), 40u);
    for (const auto& m : a.messages) expect_faithful(m);
    const auto journalled = journal_ids("acknowledged");
    EXPECT_EQ(journalled.size(), 40u);
    EXPECT_EQ(std::set<std::string>(journalled.begin(), journalled.end()), a.ids());
}

TEST_F(MeshClientTest, RefusesMessagesLargerThanTheCapAndLeavesThemInTheMailbox) {
    fill(10);
    start_server();
    auto o = options();
    o.max_message_bytes = 1024;  // every generated DATA message is larger
    ClientRun a(o);
    ASSERT_TRUE(a.run_until([&] { return a.count(MeshEvent::message_too_large) >= 8; }, 10s))
        << a.count(MeshEvent::message_too_large);
    a.run_for(300ms);
    // The REPORTs (empty bodies) still arrive; the rest are refused once each, not fetched again.
    EXPECT_EQ(a.messages.size(), 2u);
    for (const auto& m : a.messages) EXPECT_EQ(m.type, MeshMessageType::report);
    EXPECT_EQ(a.count(MeshEvent::message_too_large), 8u);
    EXPECT_EQ(server_acknowledged(), 0u);
    const auto listed = on_server([this] {
        bool more = false;
        return mailbox_->list(500, "", more).size();
    });
    EXPECT_EQ(listed, 10u);
}

TEST_F(MeshClientTest, UntrustedServerIsATlsFailure) {
    fill(7);
    start_server();
    auto o = options();
    o.ca_file = files_.client_cert;  // not the CA that signed the server's certificate
    ClientRun a(o);
    a.run_for(500ms);
    EXPECT_GE(a.count(MeshEvent::tls_failed), 1u);
    EXPECT_TRUE(a.messages.empty());
}

}  // namespace
}  // namespace gpwatch::mesh
