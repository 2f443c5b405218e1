// PostgresReportStore against a database host that accepts the connection and then says nothing
// (a hung server, or a firewall that black-holes the reply). The collector answers on one thread
// that libpq blocks, so connecting must give up within its time-out, with a StoreError, rather
// than freeze the collector. (The full store runs against a real PostgreSQL in
// tests/integration/collector_postgres_test.py.)

#include "collector/postgres_report_store.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include <gtest/gtest.h>

using namespace gpwatch::collector;

TEST(PostgresStoreTest, ASilentServerFailsTheConnectionWithinItsTimeOut) {
    // Listening but never accepting: the kernel completes the TCP handshake, no byte ever comes back.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) + " dbname=lmc user=collector sslmode=disable";

    const auto started = std::chrono::steady_clock::now();
    auto attempt = std::async(std::launch::async, [&] {
        try {
            PostgresReportStore store(conninfo);
            return std::string("connected to a server that never answered");
        } catch (const StoreError& e) {
            return std::string(e.what());
        }
    });
    const bool ended = attempt.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
    ::close(listener);  // resets the queued connection, so a hung attempt ends and the test can finish
    ASSERT_TRUE(ended) << "still connecting after 30 s: a silent database would freeze the collector";
    const auto waited = std::chrono::steady_clock::now() - started;
    const std::string why = attempt.get();
    EXPECT_NE(why.find("cannot connect to PostgreSQL"), std::string::npos) << why;
    EXPECT_LT(waited, std::chrono::seconds(20));
}
