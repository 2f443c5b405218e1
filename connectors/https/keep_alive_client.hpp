#pragma once
// KeepAliveClient: HTTPS requests to one server over one kept-alive connection: connect (TCP,
// then TLS with the server's certificate checked against a CA file and the host name, and a
// client certificate when given), reuse while the server keeps it open, a time-out on every
// step, and one retry on a new connection when a kept-alive one turns out to be closed. It knows
// nothing of what the requests mean: the MESH client (and any other HTTPS peer) builds them.
//
// Runs on the executor given; one request at a time.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace gpwatch::https {

struct KeepAliveOptions {
    std::string host;
    std::string port;
    std::string ca_file;           // trust anchor for the server's certificate
    std::string client_cert_file;  // optional: mutual TLS (PEM, chain allowed)
    std::string client_key_file;   // its private key (PEM)
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // each connect/handshake/write/read
};

// Why a request had no HTTP answer.
enum class Failure { connection_failed, timed_out, tls_failed };

// One request's outcome: an HTTP answer (status != 0), or why there was none.
struct Response {
    int status = 0;
    Failure failure = Failure::connection_failed;  // when status == 0
    std::string error;                             // when status == 0, or the body passed the limit
    bool too_large = false;  // the body passed the limit (status may still be known)
    boost::beast::http::response<boost::beast::http::string_body> res;
};

class KeepAliveClient {
public:
    using Request = boost::beast::http::request<boost::beast::http::empty_body>;

    // `stopping` is asked after every step: once it says so, the request ends with "stopping".
    KeepAliveClient(boost::asio::any_io_executor ex, KeepAliveOptions options, std::function<bool()> stopping);
    ~KeepAliveClient();
    KeepAliveClient(const KeepAliveClient&) = delete;
    KeepAliveClient& operator=(const KeepAliveClient&) = delete;

    // Sends a request with Host set here and the rest filled in by `fill` (called again for the
    // retry, so each attempt can carry fresh credentials), kept alive; an answer whose body is
    // larger than `body_limit` is refused (too_large).
    boost::asio::awaitable<Response> send(const std::function<void(Request&)>& fill, std::size_t body_limit);
    // Closes the connection (the next request opens a new one); ends a request in progress.
    void close();

private:
    struct Connection;
    // A failure, or nullopt when connected.
    boost::asio::awaitable<std::optional<Response>> connect();

    boost::asio::any_io_executor ex_;
    KeepAliveOptions options_;
    std::function<bool()> stopping_;
    std::shared_ptr<Connection> conn_;
};

}  // namespace gpwatch::https
