#pragma once
// MeshClient: the practice's side of its MESH mailbox, the MESH protocol. Over HTTPS with
// mutual TLS it says hello (handshake) at start and once a day, polls the inbox, downloads each
// new message (chunks reassembled, gzip undone, size capped) and hands it to a callback; the
// connection itself (TLS, keep-alive, time-outs) is https::KeepAliveClient's. It never
// decides what is durable: the daemon calls acknowledge(id) once the message is in the ledger,
// and only then does the client tell MESH (which removes it from the inbox).
//
// Everything runs on the executor given (one io_context thread); call acknowledge() and stop()
// on that executor too. Every request carries a fresh NHSMESH token (mesh_auth.hpp).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/verb.hpp>

#include "connectors/client_loop/client_loop.hpp"
#include "connectors/https/keep_alive_client.hpp"
#include "connectors/mesh/mesh_auth.hpp"
#include "connectors/mesh/mesh_message.hpp"

namespace gpwatch::mesh {

struct MeshClientOptions {
    std::string url;                 // https://host:port (the /messageexchange paths are added)
    MeshCredentials credentials;     // mailbox, password, environment shared secret
    std::string ca_file;             // trust anchor for the server's certificate
    std::string client_cert_file;    // the mailbox's client certificate (PEM, chain allowed)
    std::string client_key_file;     // its private key (PEM)
    std::chrono::milliseconds poll_interval{std::chrono::minutes(5)};
    std::chrono::milliseconds handshake_interval{std::chrono::hours(24)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};  // each connect/handshake/request
    std::chrono::milliseconds retry_initial{std::chrono::seconds(1)};     // backoff after 5xx/network errors
    std::chrono::milliseconds retry_max{std::chrono::minutes(5)};
    std::chrono::milliseconds credentials_backoff{std::chrono::minutes(5)};  // wait after a 403
    std::size_t max_message_bytes = 100 * 1024 * 1024;  // assembled, inflated body; bigger is refused
    std::size_t max_chunks = 10000;                      // a mex-chunk-range beyond this is refused
    std::string client_version = "gpwatchd 1.0";         // mex-clientversion
    std::string os_name;                                 // mex-osname (default: uname sysname)
    std::string os_version;                              // mex-osversion (default: uname release)
};

// What the client tells the daemon about its health and about messages it could not deliver.
enum class MeshEvent {
    recovered,             // a request succeeded after one of the failures below (clear alerts)
    credentials_refused,   // 401/403: wrong mailbox, password, shared secret or certificate
    tls_failed,            // the TLS handshake failed (untrusted server, refused client cert, bad files)
    connection_failed,     // resolve/connect/read/write error
    timed_out,             // a request took longer than request_timeout
    server_error,          // HTTP 5xx
    protocol_error,        // an answer that breaks the protocol (bad JSON, bad chunk range, odd status)
    message_gone,          // 410 on download: the message expired or was taken; skipped
    message_not_found,     // 404 on download; skipped
    message_too_large,     // larger than max_message_bytes; refused and left in the inbox
    ack_not_found,         // 404/410 on acknowledge: already gone upstream (logged, not fatal)
};
const char* to_string(MeshEvent e);

struct MeshReport {
    MeshEvent event;
    int http_status = 0;      // 0 when there was no HTTP answer
    std::string message_id;   // the message concerned, if any
    std::string detail;       // in words an admin can act on (no message content)
};

struct MeshClientCounters {
    std::uint64_t requests = 0;        // HTTP requests sent (each with a fresh token)
    std::uint64_t handshakes = 0;      // successful handshakes
    std::uint64_t polls = 0;           // successful inbox listings
    std::uint64_t downloads = 0;       // messages downloaded and handed over
    std::uint64_t chunks = 0;          // chunk responses read (a single-part message counts 1)
    std::uint64_t acks = 0;            // acknowledgements MESH accepted
    std::uint64_t ack_not_found = 0;   // acknowledgements answered 404/410
    std::uint64_t errors_credentials = 0;
    std::uint64_t errors_tls = 0;
    std::uint64_t errors_connection = 0;
    std::uint64_t errors_timeout = 0;
    std::uint64_t errors_server = 0;
    std::uint64_t errors_protocol = 0;
    std::uint64_t messages_gone = 0;
    std::uint64_t messages_not_found = 0;
    std::uint64_t messages_too_large = 0;
};

class MeshClient {
public:
    using MessageHandler = std::function<void(MeshMessage&&)>;
    using ReportHandler = std::function<void(const MeshReport&)>;

    MeshClient(boost::asio::any_io_executor ex, MeshClientOptions options, MessageHandler on_message,
               ReportHandler on_report = {});
    ~MeshClient();
    MeshClient(const MeshClient&) = delete;
    MeshClient& operator=(const MeshClient&) = delete;

    void start();
    // Ends the current request and the loop; `on_stopped` runs once the loop is done.
    void stop(std::function<void()> on_stopped = {});
    // The message is durable in the ledger: tell MESH (retried until MESH answers). Ids the client
    // never handed over are ignored.
    void acknowledge(const std::string& message_id);

    const MeshClientCounters& counters() const { return counters_; }
    // Handed over, not yet acknowledged to MESH (these are not downloaded again).
    std::size_t in_flight() const { return in_flight_.size(); }
    // True after a successful request, false after a failed one (for a health check).
    bool healthy() const { return healthy_; }
    // When the inbox was last listed (unix seconds; 0: never), and the last failure in words
    // and when it happened (for gpwatchctl status).
    std::int64_t last_poll_at() const { return last_poll_at_; }
    const std::string& last_error() const { return last_error_; }
    std::int64_t last_error_at() const { return last_error_at_; }

private:
    struct Reply;
    enum class RoundEnd { idle, more_waiting, failed };

    boost::asio::awaitable<void> run();
    boost::asio::awaitable<RoundEnd> round();
    boost::asio::awaitable<bool> handshake();
    // One page of the inbox listing at `target`; `next` gets links.next (v2) when there is one.
    boost::asio::awaitable<std::optional<std::vector<std::string>>> list_inbox(const std::string& target,
                                                                               bool& full_page, std::string& next);
    boost::asio::awaitable<bool> download(const std::string& id);
    // Reads one part (k = 0: the whole message or its first chunk) into `m`; false ends the round.
    boost::asio::awaitable<bool> download_part(const std::string& id, std::uint32_t k, MeshMessage& m,
                                               bool& skipped);
    boost::asio::awaitable<bool> flush_acks();
    boost::asio::awaitable<Reply> request(boost::beast::http::verb method, std::string target, std::size_t body_limit,
                                          bool handshake_headers = false);
    // Waits until `until`; sending acknowledgements as the daemon makes them (idle_wait) or not (sleep).
    boost::asio::awaitable<void> idle_wait(std::chrono::steady_clock::time_point until);
    boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
    // Counts and reports a failed request; returns false (for `co_return fail(...)`).
    bool fail(const Reply& reply, const std::string& what);
    void report(MeshEvent event, int status, const std::string& id, const std::string& detail);
    void succeeded();
    void skip(const std::string& id);  // this session will not download it again
    std::string path(const std::string& rest = {}) const;
    std::string next_page(std::string_view link) const;  // "" when the link is not followed

    MeshClientOptions options_;
    MessageHandler on_message_;
    ReportHandler on_report_;
    bool url_ok_ = false;
    client_loop::ClientLoop loop_;
    std::unique_ptr<https::KeepAliveClient> http_;  // the HTTPS connection MESH is spoken over
    boost::asio::steady_timer timer_;
    bool waiting_for_acks_ = false;  // the idle wait may be cut short by acknowledge()
    bool healthy_ = false;
    bool reported_failure_ = false;   // a failure was reported; the next success reports `recovered`
    MeshEvent last_failure_ = MeshEvent::recovered;
    std::optional<std::chrono::steady_clock::time_point> last_handshake_;
    std::unordered_set<std::string> in_flight_;     // handed over, not yet acknowledged upstream
    std::deque<std::string> ack_queue_;             // acknowledged by the daemon, not yet by MESH
    std::unordered_set<std::string> done_;          // acknowledged or skipped this session
    std::deque<std::string> done_order_;            // ... oldest first, to bound done_
    client_loop::Backoff backoff_;
    std::chrono::milliseconds failure_wait_{0};     // set by fail(): how long to wait before retrying
    MeshClientCounters counters_;
    std::int64_t last_poll_at_ = 0;
    std::string last_error_;
    std::int64_t last_error_at_ = 0;
};

}  // namespace gpwatch::mesh
