// ClinicalFeedClient against a scripted in-process wss server (tests/support/scripted_feed_server.hpp): the
// subscribe / replay / gap / ack / heartbeat rules of docs/protocols.md section 2, TLS verification, the
// bearer token, oversize frames, quarantined frames and stop(). Server and client share one
// io_context driven from the test thread, each wait bounded by a deadline.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "sim/common/cert_maker.hpp"
#include "connectors/clinical_feed/feed_client.hpp"
#include "tests/support/scripted_feed_server.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gpwatch::EventKind;
using gpwatch::RecordEvent;
using gpwatch::clinical_feed::ClinicalFeedClient;
using gpwatch::clinical_feed::FeedClientOptions;
using gpwatch::test::Clock;
using gpwatch::test::entry_event;
using gpwatch::test::entry_event_without_author;
using gpwatch::test::FeedPeer;
using gpwatch::test::heartbeat;
using gpwatch::test::ScriptedFeedServer;
using PeerPtr = std::shared_ptr<FeedPeer>;

constexpr const char* kToken = "s3cret-feed-token";
constexpr const char* kPractice = "C84001";

// Two unrelated certificate authorities, each with a server certificate for 127.0.0.1/localhost.
struct Pki {
    gpwatch::sim::CertBundle trusted;
    gpwatch::sim::CertBundle other;
    fs::path dir;
    std::string trusted_ca_file;
};

Pki* pki = nullptr;

class FeedClientTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        pki = new Pki;
        pki->trusted = gpwatch::sim::make_ca_and_server_cert();
        pki->other = gpwatch::sim::make_ca_and_server_cert();
        std::string tmpl = (fs::temp_directory_path() / "feed_client_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        pki->dir = tmpl;
        pki->trusted_ca_file = (pki->dir / "ca.pem").string();
        gpwatch::sim::write_file_atomic(pki->trusted_ca_file, pki->trusted.ca_cert_pem);
    }

    static void TearDownTestSuite() {
        std::error_code ec;
        fs::remove_all(pki->dir, ec);
        delete pki;
        pki = nullptr;
    }

    void TearDown() override {
        if (client_) {
            bool stopped = false;
            client_->stop([&] { stopped = true; });
            EXPECT_TRUE(run_until([&] { return stopped; }, 3s)) << "the client loop did not end after stop()";
        }
        if (server_) {
            server_->stop();
            EXPECT_TRUE(server_->errors.empty()) << "server: " << server_->errors.front();
        }
        // Let every pending operation finish before anything it refers to is destroyed.
        const auto deadline = Clock::now() + 3s;
        ioc_.restart();
        while (!ioc_.stopped() && Clock::now() < deadline) ioc_.run_for(20ms);
        client_.reset();
        server_.reset();
    }

    ScriptedFeedServer& start_server(const gpwatch::sim::CertBundle& certs, const std::string& bind = "127.0.0.1") {
        server_ = std::make_unique<ScriptedFeedServer>(ioc_, certs.server_cert_pem, certs.server_key_pem,
                                                      kToken, bind);
        return *server_;
    }

    FeedClientOptions options() const {
        FeedClientOptions o;
        o.url = server_ ? server_->url() : "wss://127.0.0.1:1/feed";
        o.token = kToken;
        o.ca_file = pki->trusted_ca_file;
        o.practice = kPractice;
        o.max_frame_bytes = 64 * 1024;
        o.reconnect_initial = 20ms;
        o.reconnect_max = 200ms;
        o.heartbeat_interval = 5s;
        return o;
    }

    // Starts a client whose events land in delivered_; `hook` runs after each one is recorded.
    ClinicalFeedClient& start_client(FeedClientOptions o, std::uint64_t durable_seq,
                                     std::function<void(const RecordEvent&)> hook = {}) {
        hook_ = std::move(hook);
        client_ = std::make_unique<ClinicalFeedClient>(
            ioc_.get_executor(), std::move(o),
            [this](RecordEvent&& ev) {
                delivered_.push_back(std::move(ev));
                if (hook_) hook_(delivered_.back());
            },
            durable_seq);
        client_->start();
        return *client_;
    }

    // Runs the io_context until `done` holds or `limit` passes; returns whether it holds.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
        const auto deadline = Clock::now() + limit;
        while (!done() && Clock::now() < deadline) {
            if (ioc_.stopped()) ioc_.restart();
            ioc_.run_for(2ms);
        }
        return done();
    }

    void run_for(std::chrono::milliseconds d) {
        run_until([] { return false; }, d);
    }

    std::vector<std::uint64_t> delivered_seqs() const {
        std::vector<std::uint64_t> out;
        for (const auto& ev : delivered_) out.push_back(ev.seq);
        return out;
    }

    asio::io_context ioc_;
    std::unique_ptr<ScriptedFeedServer> server_;
    std::unique_ptr<ClinicalFeedClient> client_;
    std::vector<RecordEvent> delivered_;
    std::function<void(const RecordEvent&)> hook_;
};

using Seqs = std::vector<std::uint64_t>;

// Sends the events first..last (well-formed, entry id "e-<seq>").
asio::awaitable<void> send_range(PeerPtr peer, std::uint64_t first, std::uint64_t last) {
    for (auto s = first; s <= last; ++s) co_await peer->send(entry_event(s, "e-" + std::to_string(s)));
}

// 1. The subscribe carries the durable seq, the upgrade the bearer token; events arrive in order.
TEST_F(FeedClientTest, SubscribesAfterTheDurableSeqWithTheBearerTokenAndDeliversInOrder) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t after) -> asio::awaitable<void> {
        co_await send_range(peer, after + 1, after + 3);
    });
    auto& client = start_client(options(), 41);

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 3; }));
    run_for(50ms);  // nothing more arrives

    ASSERT_EQ(server.upgrades.size(), 1u);
    EXPECT_EQ(server.upgrades[0].authorization, std::string("Bearer ") + kToken);
    EXPECT_EQ(server.upgrades[0].target, "/feed");
    ASSERT_EQ(server.subscribes.size(), 1u);
    EXPECT_EQ(server.subscribes[0].after, 41u);
    EXPECT_EQ(server.subscribes[0].practice, kPractice);
    ASSERT_FALSE(server.messages.empty());
    EXPECT_EQ(server.messages[0].text, R"({"type":"subscribe","practice":"C84001","after":41})");

    EXPECT_EQ(delivered_seqs(), (Seqs{42, 43, 44}));
    for (const auto& ev : delivered_) {
        EXPECT_EQ(ev.kind, EventKind::entry_created);
        EXPECT_EQ(ev.practice, kPractice);
        EXPECT_EQ(ev.entry_id, "e-" + std::to_string(ev.seq));
        EXPECT_EQ(ev.author.ods, "RT5");
    }
    EXPECT_TRUE(client.connected());
    EXPECT_EQ(client.delivered_seq(), 44u);
    EXPECT_EQ(client.counters().connects, 1u);
    EXPECT_EQ(client.counters().events, 3u);
    EXPECT_TRUE(server.acks().empty()) << "nothing was acknowledged, so nothing may be acked";
}

// 2a. A gap drops the connection; the client resubscribes from its durable seq (0: nothing
// acknowledged) and skips the replay of what it already delivered.
TEST_F(FeedClientTest, GapResubscribesFromTheDurableSeqAndDeliversTheRestExactlyOnce) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t after) -> asio::awaitable<void> {
        if (peer->index() == 0) {
            co_await send_range(peer, 1, 2);
            co_await peer->send(entry_event(4, "e-4"));  // 3 is missing
            co_await peer->send(entry_event(5, "e-5"));
        } else {
            co_await send_range(peer, after + 1, 5);
        }
    });
    auto& client = start_client(options(), 0);

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 5; }));
    run_for(100ms);

    EXPECT_EQ(delivered_seqs(), (Seqs{1, 2, 3, 4, 5}));
    ASSERT_EQ(server.subscribes.size(), 2u);
    EXPECT_EQ(server.subscribes[0].after, 0u);
    EXPECT_EQ(server.subscribes[1].after, 0u) << "2 was delivered but never acknowledged";
    EXPECT_EQ(server.connections, 2);
    EXPECT_EQ(client.counters().gaps, 1u);
    EXPECT_EQ(client.counters().duplicates_skipped, 2u);
    EXPECT_EQ(client.counters().events, 5u);
}

// 2b. The same with 2 acknowledged from the callback: the resubscribe asks for after=2, and a
// server that replays from 1 anyway still gets 3,4,5 delivered once.
TEST_F(FeedClientTest, GapResubscribesAfterTheAcknowledgedSeq) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        if (peer->index() == 0) {
            co_await send_range(peer, 1, 2);
            co_await peer->send(entry_event(4, "e-4"));
        } else {
            co_await send_range(peer, 1, 5);  // replays more than asked for
        }
    });
    ClinicalFeedClient* c = nullptr;
    auto& client = start_client(options(), 0, [&](const RecordEvent& ev) {
        if (ev.seq <= 2) c->acknowledge(ev.seq);
    });
    c = &client;

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 5; }));
    run_for(100ms);

    EXPECT_EQ(delivered_seqs(), (Seqs{1, 2, 3, 4, 5}));
    ASSERT_EQ(server.subscribes.size(), 2u);
    EXPECT_EQ(server.subscribes[1].after, 2u);
    for (auto a : server.acks()) EXPECT_LE(a, 2u);
    EXPECT_TRUE(server.acks(1).empty()) << "the resubscribe already says 2 is durable";
    EXPECT_EQ(client.counters().gaps, 1u);
    EXPECT_EQ(client.counters().duplicates_skipped, 2u);
}

// 3. Acks follow acknowledge() and never run ahead of it.
TEST_F(FeedClientTest, AcksOnlyWhatWasAcknowledged) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t after) -> asio::awaitable<void> {
        co_await send_range(peer, after + 1, 6);
    });
    auto& client = start_client(options(), 0);

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 6; }));
    run_for(50ms);
    EXPECT_TRUE(server.acks().empty()) << "delivered is not durable";

    client.acknowledge(3);
    ASSERT_TRUE(run_until([&] { return !server.acks().empty(); }, 2s));
    run_for(30ms);
    EXPECT_EQ(server.acks(), (Seqs{3}));
    EXPECT_EQ(server.messages.back().text, R"({"type":"ack","seq":3})");

    client.acknowledge(2);  // older than what is durable: nothing to say
    client.acknowledge(3);  // already said
    run_for(50ms);
    EXPECT_EQ(server.acks(), (Seqs{3}));

    // Several in a row while a write is in flight: coalesced, in order, never above 6.
    client.acknowledge(4);
    client.acknowledge(5);
    client.acknowledge(6);
    ASSERT_TRUE(run_until([&] { return !server.acks().empty() && server.acks().back() == 6; }, 2s));
    run_for(30ms);
    auto acks = server.acks();
    EXPECT_TRUE(std::is_sorted(acks.begin(), acks.end()));
    EXPECT_EQ(std::adjacent_find(acks.begin(), acks.end()), acks.end()) << "an ack was repeated";
    EXPECT_EQ(acks.back(), 6u);
    for (auto a : acks) EXPECT_LE(a, 6u);
    EXPECT_EQ(server.connections, 1);
}

// 4. A frame above max_frame_bytes is refused: not delivered, connection dropped, counted. One of
// exactly max_frame_bytes is fine.
TEST_F(FeedClientTest, RefusesAFrameLargerThanMaxFrameBytes) {
    constexpr std::size_t kMax = 4096;
    const std::string exact =
        entry_event(2, "e-2-exact", std::string(kMax + 1 - entry_event(2, "e-2-exact", "y").size(), 'y'));
    ASSERT_EQ(exact.size(), kMax);
    auto& server = start_server(pki->trusted);
    server.set_script([exact](PeerPtr peer, std::uint64_t after) -> asio::awaitable<void> {
        if (peer->index() == 0) {
            co_await peer->send(entry_event(1, "e-1"));
            co_await peer->send(exact);
            co_await peer->send(entry_event(3, "e-3-huge", std::string(100000, 'x')));
            co_await send_range(peer, 4, 5);  // a live server keeps streaming
        } else {
            co_await send_range(peer, after + 1, 5);
        }
    });
    auto o = options();
    o.max_frame_bytes = kMax;
    auto& client = start_client(o, 0);

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 5; }));
    run_for(50ms);

    EXPECT_EQ(delivered_seqs(), (Seqs{1, 2, 3, 4, 5}));
    ASSERT_GE(delivered_.size(), 3u);
    EXPECT_EQ(delivered_[1].entry_id, "e-2-exact");
    EXPECT_EQ(delivered_[2].entry_id, "e-3") << "the oversize frame was delivered";
    EXPECT_EQ(client.counters().oversize_frames, 1u);
    EXPECT_EQ(server.connections, 2) << "the connection carrying the oversize frame must be dropped";
    ASSERT_EQ(server.subscribes.size(), 2u);
    EXPECT_EQ(server.subscribes[1].after, 0u);
}

// 5a. A server certificate from another CA: no connection, no events, retries with growing backoff.
TEST_F(FeedClientTest, RefusesAServerCertificateFromAnotherCa) {
    auto& server = start_server(pki->other);
    server.set_script([](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        co_await send_range(peer, 1, 3);
    });
    auto o = options();
    o.reconnect_max = 10s;
    auto& client = start_client(o, 0);

    run_for(700ms);
    EXPECT_TRUE(delivered_.empty());
    EXPECT_EQ(server.connections, 0);
    EXPECT_TRUE(server.upgrades.empty()) << "the client sent its token to an untrusted server";
    EXPECT_EQ(client.counters().connects, 0u);
    EXPECT_FALSE(client.connected());
    // 20 ms doubling with equal jitter: between 5 and 7 attempts fit in 700 ms; a fixed delay
    // would make ~35.
    EXPECT_GE(server.tcp_accepts, 3);
    EXPECT_LE(server.tcp_accepts, 8);
    EXPECT_GE(server.tls_failures, server.tcp_accepts - 1);  // the last may still be in its handshake

    bool stopped = false;
    client.stop([&] { stopped = true; });
    EXPECT_TRUE(run_until([&] { return stopped; }, 1s));
    const int attempts = server.tcp_accepts;
    run_for(200ms);
    EXPECT_EQ(server.tcp_accepts, attempts) << "no more attempts after stop()";
}

// 5b. The right CA but a certificate for another address: refused too.
TEST_F(FeedClientTest, RefusesACertificateForAnotherHost) {
    try {
        start_server(pki->trusted, "127.0.0.2");  // the certificate names 127.0.0.1 and localhost
    } catch (const std::exception& e) {
        GTEST_SKIP() << "cannot listen on 127.0.0.2: " << e.what();
    }
    auto& server = *server_;
    server.set_script([](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        co_await send_range(peer, 1, 3);
    });
    auto& client = start_client(options(), 0);

    ASSERT_TRUE(run_until([&] { return server.tcp_accepts >= 2; }, 3s));
    EXPECT_TRUE(delivered_.empty());
    EXPECT_EQ(server.connections, 0);
    EXPECT_TRUE(server.upgrades.empty());
    EXPECT_EQ(client.counters().connects, 0u);
}

// 6. A token the server does not know: 401, nothing delivered.
TEST_F(FeedClientTest, WrongTokenIsRefusedAndNothingIsDelivered) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        co_await send_range(peer, 1, 3);
    });
    auto o = options();
    o.token = "not-the-token";
    auto& client = start_client(o, 0);

    ASSERT_TRUE(run_until([&] { return server.rejected_upgrades >= 2; }, 3s));
    EXPECT_TRUE(delivered_.empty());
    EXPECT_EQ(server.connections, 0);
    EXPECT_TRUE(server.subscribes.empty());
    ASSERT_FALSE(server.upgrades.empty());
    EXPECT_EQ(server.upgrades[0].authorization, "Bearer not-the-token");
    EXPECT_EQ(client.counters().connects, 0u);
    EXPECT_FALSE(client.connected());
}

// 7a. A server that goes silent is declared dead after about three heartbeat intervals.
TEST_F(FeedClientTest, SilenceForThreeHeartbeatsDropsTheConnectionAndReconnects) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        if (peer->index() == 0) co_await peer->send(entry_event(1, "e-1"));
        co_return;  // then silence
    });
    auto o = options();
    o.heartbeat_interval = 200ms;
    auto& client = start_client(o, 0);

    ASSERT_TRUE(run_until([&] { return server.subscribes.size() >= 2; }, 5s));
    const auto dead_after = server.accept_times[1] - server.subscribes[0].at;
    EXPECT_GE(dead_after, 500ms) << "dropped before three heartbeats were missed";
    EXPECT_LE(dead_after, 1000ms) << "took too long to notice the silence";
    EXPECT_EQ(server.subscribes[1].after, 0u);
    EXPECT_EQ(delivered_seqs(), (Seqs{1}));
    EXPECT_GE(client.counters().disconnects, 1u);
}

// 7b. ... while a server that keeps sending heartbeats keeps its connection.
TEST_F(FeedClientTest, HeartbeatsKeepTheConnectionAlive) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t after) -> asio::awaitable<void> {
        while (peer->open()) {
            if (!co_await peer->send(heartbeat(after))) break;
            co_await peer->sleep(120ms);
        }
    });
    auto o = options();
    o.heartbeat_interval = 200ms;
    auto& client = start_client(o, 0);

    run_for(1200ms);  // six intervals
    EXPECT_EQ(server.connections, 1);
    EXPECT_EQ(client.counters().disconnects, 0u);
    EXPECT_TRUE(client.connected());
    EXPECT_TRUE(delivered_.empty());
}

// 8. A frame that breaks the contract but carries a seq is delivered as unparseable, in its place.
TEST_F(FeedClientTest, MalformedFrameWithASeqIsDeliveredAsUnparseableInItsPlace) {
    const std::string bad = entry_event_without_author(2, "e-2");
    auto& server = start_server(pki->trusted);
    server.set_script([bad](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        co_await peer->send(entry_event(1, "e-1"));
        co_await peer->send(bad);
        co_await peer->send(entry_event(3, "e-3"));
    });
    auto& client = start_client(options(), 0);

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 3; }));
    run_for(50ms);

    ASSERT_EQ(delivered_seqs(), (Seqs{1, 2, 3}));
    EXPECT_EQ(delivered_[0].kind, EventKind::entry_created);
    EXPECT_EQ(delivered_[1].kind, EventKind::unparseable);
    EXPECT_EQ(delivered_[1].raw, bad);
    EXPECT_NE(delivered_[1].parse_error.find("author"), std::string::npos) << delivered_[1].parse_error;
    EXPECT_EQ(delivered_[2].kind, EventKind::entry_created);
    EXPECT_EQ(client.counters().malformed, 1u);
    EXPECT_EQ(client.counters().gaps, 0u);
    EXPECT_EQ(server.connections, 1);
}

// 8b. After a resubscribe, the replay of an unparseable frame already delivered is skipped like
// any other replayed event (it must not reach the ledger twice).
TEST_F(FeedClientTest, ReplayedMalformedFrameIsNotDeliveredTwice) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t) -> asio::awaitable<void> {
        co_await peer->send(entry_event(1, "e-1"));
        co_await peer->send(entry_event_without_author(2, "e-2"));
        if (peer->index() == 0) {
            co_await peer->send(entry_event(4, "e-4"));  // gap: 3 lost
        } else {
            co_await send_range(peer, 3, 4);
        }
    });
    auto& client = start_client(options(), 0);

    ASSERT_TRUE(run_until([&] { return delivered_.size() >= 4; }, 3s));
    run_for(100ms);

    EXPECT_EQ(delivered_seqs(), (Seqs{1, 2, 3, 4}));
    ASSERT_EQ(server.subscribes.size(), 2u);
    EXPECT_EQ(server.subscribes[1].after, 0u);
    EXPECT_EQ(client.counters().gaps, 1u);
    EXPECT_EQ(client.counters().duplicates_skipped, 2u);
}

// 9a. stop() while waiting to reconnect ends the loop at once and calls on_stopped.
TEST_F(FeedClientTest, StopDuringBackoffEndsTheLoop) {
    auto& server = start_server(pki->other);  // every attempt fails the TLS handshake
    auto o = options();
    o.reconnect_initial = 4s;  // the first wait is 2..4 s
    o.reconnect_max = 4s;
    auto& client = start_client(o, 0);

    ASSERT_TRUE(run_until([&] { return server.tls_failures >= 1; }, 3s));
    run_for(100ms);  // now in backoff
    bool stopped = false;
    const auto t0 = Clock::now();
    client.stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return stopped; }, 1s)) << "on_stopped was not called";
    EXPECT_LT(Clock::now() - t0, 500ms);
    EXPECT_EQ(server.tcp_accepts, 1);
    EXPECT_EQ(client.counters().disconnects, 1u);
    client_.reset();  // stopped: safe to destroy
}

// 9b. stop() from the event callback, in the middle of a connection: nothing more is delivered.
TEST_F(FeedClientTest, StopDuringAConnectionEndsTheLoop) {
    auto& server = start_server(pki->trusted);
    server.set_script([](PeerPtr peer, std::uint64_t after) -> asio::awaitable<void> {
        co_await send_range(peer, after + 1, after + 5);
        while (peer->open()) {
            if (!co_await peer->send(heartbeat(after + 5))) break;
            co_await peer->sleep(50ms);
        }
    });
    bool stopped = false;
    ClinicalFeedClient* c = nullptr;
    auto& client = start_client(options(), 0, [&](const RecordEvent& ev) {
        if (ev.seq == 2) c->stop([&] { stopped = true; });
    });
    c = &client;

    ASSERT_TRUE(run_until([&] { return stopped; }, 3s)) << "on_stopped was not called";
    run_for(200ms);
    EXPECT_EQ(delivered_seqs(), (Seqs{1, 2}));
    EXPECT_FALSE(client.connected());
    EXPECT_EQ(server.connections, 1) << "reconnected after stop()";
    EXPECT_EQ(server.open_connections, 0);
    client_.reset();
}

// 9c. stop() from outside while connected to a quiet server.
TEST_F(FeedClientTest, StopWhileConnectedToAQuietServer) {
    auto& server = start_server(pki->trusted);
    auto& client = start_client(options(), 7);
    ASSERT_TRUE(run_until([&] { return server.subscribes.size() == 1; }, 3s));
    bool stopped = false;
    client.stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return stopped; }, 1s));
    run_for(100ms);
    EXPECT_EQ(server.open_connections, 0);
    EXPECT_EQ(server.connections, 1);
    client_.reset();
}

// 9d. stop() on a client that never started still calls on_stopped.
TEST_F(FeedClientTest, StopBeforeStartCallsOnStopped) {
    ClinicalFeedClient client(ioc_.get_executor(), options(), [](RecordEvent&&) {}, 0);
    bool stopped = false;
    client.stop([&] { stopped = true; });
    EXPECT_TRUE(stopped);
}

}  // namespace
