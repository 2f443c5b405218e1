// The collector's rules under load, without sockets: which connections ConnectionAdmission takes,
// keeps and drops; LogTally's one line per interval; the caps sized from the descriptor limit;
// and the request framing checks Beast's parser lets through.
#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>

#include "collector/connection_admission.hpp"
#include "collector/log_tally.hpp"
#include "collector/request_checks.hpp"

namespace gpwatch::collector {
namespace {

AdmissionLimits small(std::size_t max, std::size_t reserve) {
    AdmissionLimits l;
    l.max_connections = max;
    l.reserved_for_authenticated = reserve;
    l.per_address_connections = 4;
    l.per_address_handshakes = 2;
    return l;
}

TEST(ConnectionAdmission, RefusesOverThePerAddressCaps) {
    ConnectionAdmission a(small(100, 0));
    EXPECT_FALSE(a.admit(1, "10.0.0.1").refused);
    EXPECT_FALSE(a.admit(2, "10.0.0.1").refused);
    // Two handshakes in progress from that address: a third is refused, another address is not.
    EXPECT_EQ(a.admit(3, "10.0.0.1").refused, Refusal::per_address_handshakes);
    EXPECT_FALSE(a.admit(4, "10.0.0.2").refused);
    a.handshake_done(1, false);
    a.handshake_done(2, false);
    EXPECT_FALSE(a.admit(5, "10.0.0.1").refused);
    a.handshake_done(5, false);
    EXPECT_FALSE(a.admit(6, "10.0.0.1").refused);
    a.handshake_done(6, true);
    // Four open from 10.0.0.1, whatever their state: the fifth is refused.
    EXPECT_EQ(a.admit(7, "10.0.0.1").refused, Refusal::per_address_connections);
    EXPECT_EQ(a.open_from("10.0.0.1"), 4u);
    a.release(1);
    EXPECT_FALSE(a.admit(8, "10.0.0.1").refused);
}

TEST(ConnectionAdmission, WhenFullDropsTheOldestIdleUnauthenticatedOne) {
    ConnectionAdmission a(small(4, 0));
    for (ConnectionAdmission::Id id = 1; id <= 4; ++id) a.admit(id, "10.0.0." + std::to_string(id));
    a.handshake_done(1, false);
    a.handshake_done(2, false);
    a.set_busy(1, true);  // being answered: never dropped
    const auto d = a.admit(5, "10.0.0.5");
    EXPECT_FALSE(d.refused);
    ASSERT_TRUE(d.drop);
    EXPECT_EQ(*d.drop, 2u);  // the oldest that is idle
    EXPECT_EQ(a.open(), 4u);
    a.release(2);  // its coroutine ends later: nothing happens twice
    EXPECT_EQ(a.open(), 4u);
    EXPECT_EQ(a.open_from("10.0.0.2"), 0u);
}

TEST(ConnectionAdmission, KeepsTheReserveForMutualTlsAndNeverDropsItsConnections) {
    ConnectionAdmission a(small(6, 2));  // 4 for anyone, 2 more only past mutual TLS
    for (ConnectionAdmission::Id id = 1; id <= 4; ++id) EXPECT_FALSE(a.admit(id, "10.0.1." + std::to_string(id)).refused);
    // Four handshaking: the unauthenticated share is full, so a fifth drops the oldest of them.
    auto d = a.admit(5, "10.0.1.5");
    ASSERT_TRUE(d.drop);
    EXPECT_EQ(*d.drop, 1u);
    // Those that complete mutual TLS leave the unauthenticated share and are never dropped.
    for (ConnectionAdmission::Id id : {2, 3, 4, 5}) a.handshake_done(id, true);
    EXPECT_EQ(a.unauthenticated(), 0u);
    EXPECT_FALSE(a.admit(6, "10.0.1.6").drop);
    EXPECT_FALSE(a.admit(7, "10.0.1.7").drop);
    EXPECT_EQ(a.open(), 6u);
    // Full: only 6 and 7 (handshaking) may go, oldest first; 2..5 stay whatever arrives.
    d = a.admit(8, "10.0.1.8");
    ASSERT_TRUE(d.drop);
    EXPECT_EQ(*d.drop, 6u);
    a.handshake_done(7, true);
    a.handshake_done(8, true);
    d = a.admit(9, "10.0.1.9");
    EXPECT_EQ(d.refused, Refusal::listener_full);
    EXPECT_FALSE(d.drop);
}

TEST(ConnectionAdmission, LimitsComeFromTheDescriptorLimit) {
    const ServerLimits l = limits_for_descriptors(1024);
    EXPECT_EQ(l.upload.max_connections, (1024 - kSpareDescriptors) / 2);
    EXPECT_EQ(l.web.max_connections, (1024 - kSpareDescriptors) / 2);
    EXPECT_EQ(l.upload.reserved_for_authenticated, l.upload.max_connections / 4);
    EXPECT_EQ(l.web.reserved_for_authenticated, 0u);
    EXPECT_LE(l.upload.max_connections + l.web.max_connections + kSpareDescriptors, 1024u);
    EXPECT_EQ(l.upload.per_address_connections, kPerAddressConnections);
    const ServerLimits big = limits_for_descriptors(1u << 20);
    EXPECT_EQ(big.upload.max_connections, kMaxListenerConnections);
    // What systemd/gpwatch-collector.service's LimitNOFILE= is sized for: both listeners at
    // their maximum and the spare.
    EXPECT_EQ(limits_for_descriptors(4160).web.max_connections, kMaxListenerConnections);
    EXPECT_GE(limits_for_descriptors(40).web.max_connections, 8u);
}

TEST(ConnectionAdmission, ClientKeys) {
    namespace ip = boost::asio::ip;
    EXPECT_EQ(client_key(ip::make_address("192.0.2.7")), "192.0.2.7");
    EXPECT_EQ(client_key(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
    EXPECT_EQ(client_key(ip::make_address("2001:db8:1:2:aaaa::1")), client_key(ip::make_address("2001:db8:1:2::9")));
    EXPECT_NE(client_key(ip::make_address("2001:db8:1:2::1")), client_key(ip::make_address("2001:db8:1:3::1")));
}

TEST(LogTally, OneLineAtOnceThenOneSummaryPerInterval) {
    using namespace std::chrono_literals;
    LogTally t(10s);
    const auto t0 = LogTally::Clock::time_point{} + 1000s;
    EXPECT_TRUE(t.note("refused", t0, "a"));  // the first is logged alone
    for (int i = 0; i < 4312; ++i) EXPECT_FALSE(t.note("refused", t0 + 1s, "b"));
    EXPECT_TRUE(t.note("dropped", t0 + 2s));  // another kind has its own
    EXPECT_TRUE(t.due(t0 + 9s).empty());
    ASSERT_EQ(t.next_due(), t0 + 10s);
    auto s = t.due(t0 + 10s);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].kind, "refused");
    EXPECT_EQ(s[0].count, 4312u);
    EXPECT_EQ(s[0].last_sample, "b");
    EXPECT_EQ(s[0].over, 10s);
    // Nothing more: "dropped" (nothing after its first) and then "refused" go quiet.
    EXPECT_TRUE(t.due(t0 + 12s).empty());
    EXPECT_TRUE(t.due(t0 + 20s).empty());
    EXPECT_FALSE(t.next_due());
    EXPECT_TRUE(t.note("refused", t0 + 30s));  // quiet again: logged at once
    EXPECT_FALSE(t.note("refused", t0 + 31s, "c"));
    // On stop: what was counted is said, over the time it really covers.
    s = t.flush(t0 + 32s);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].count, 1u);
    EXPECT_EQ(s[0].over, 2s);
    EXPECT_FALSE(t.next_due());
}

TEST(LogTally, Thousands) {
    EXPECT_EQ(with_thousands(0), "0");
    EXPECT_EQ(with_thousands(999), "999");
    EXPECT_EQ(with_thousands(4312), "4,312");
    EXPECT_EQ(with_thousands(2880000), "2,880,000");
}

TEST(RequestChecks, ObsFoldIsSeenInTheRawHeader) {
    const std::string good = "GET / HTTP/1.1\r\nHost: a\r\nX-A: b c\r\n\r\n";
    EXPECT_EQ(header_end(good), good.size());
    EXPECT_EQ(header_end("GET / HTTP/1.1\r\nHost: a\r\n"), std::string_view::npos);
    EXPECT_TRUE(obs_fold_problem(good).empty());
    EXPECT_FALSE(obs_fold_problem("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n").empty());
    EXPECT_FALSE(obs_fold_problem("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n").empty());
    EXPECT_FALSE(obs_fold_problem("GET / HTTP/1.1\r\n Host: a\r\n\r\n").empty());
}

TEST(RequestChecks, FramingBeastLetsThrough) {
    namespace http = boost::beast::http;
    http::fields f;
    f.set(http::field::host, "a");
    EXPECT_TRUE(framing_problem(f, 11).empty());
    http::fields no_host;
    EXPECT_FALSE(framing_problem(no_host, 11).empty());
    EXPECT_TRUE(framing_problem(no_host, 10).empty());  // HTTP/1.0 needs none
    http::fields two_hosts = f;
    two_hosts.insert(http::field::host, "b");
    EXPECT_FALSE(framing_problem(two_hosts, 11).empty());

    for (const char* te : {"chunked, identity", "identity", "gzip, chunked"}) {
        http::fields t = f;
        t.set(http::field::transfer_encoding, te);
        EXPECT_FALSE(framing_problem(t, 11).empty()) << te;
    }
    http::fields chunked = f;
    chunked.set(http::field::transfer_encoding, "Chunked");
    EXPECT_TRUE(framing_problem(chunked, 11).empty());

    http::fields two_lengths = f;
    two_lengths.insert(http::field::content_length, "5");
    two_lengths.insert(http::field::content_length, "5");
    EXPECT_FALSE(framing_problem(two_lengths, 11).empty());
    http::fields list_length = f;
    list_length.set(http::field::content_length, "5, 5");
    EXPECT_FALSE(framing_problem(list_length, 11).empty());
    http::fields one_length = f;
    one_length.set(http::field::content_length, "5");
    EXPECT_TRUE(framing_problem(one_length, 11).empty());
}

}  // namespace
}  // namespace gpwatch::collector
