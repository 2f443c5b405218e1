#pragma once
// MeshSimServer: the MESH API's inbox subset (docs/protocols.md section 1) over HTTPS with mutual TLS.
// Every request under /messageexchange/{mailbox} must carry a fresh, valid NHSMESH token for
// that mailbox; the routes are handshake, list inbox, download (whole or chunk k) and
// acknowledge. Connections are kept alive between requests; every read and write has a deadline
// and request bodies are capped. With chaos on, a few requests get 500/503 or a dropped
// connection (some acknowledgements are dropped after they took effect, as a network would).

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sim/mesh/mesh_request_auth.hpp"
#include "sim/common/sim_listener.hpp"
#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

class MeshMailbox;

struct MeshServerSettings {
    mesh::MeshCredentials credentials;
    bool chaos = false;
    double chaos_probability = 0.05;
    std::uint64_t chaos_seed = 1;
};

class MeshSimServer {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    MeshSimServer(boost::asio::io_context& ioc, boost::asio::ssl::context& tls, MeshMailbox& mailbox,
                  MeshServerSettings settings);

    // Binds synchronously (a port in use fails here); returns the real endpoint.
    boost::asio::ip::tcp::endpoint bind(const std::string& host, std::uint16_t port);
    void start();
    void stop();

    // The answer to one request, without any network (also what the tests drive).
    Response respond(const Request& request);

private:
    boost::asio::awaitable<void> handle_connection(boost::asio::ip::tcp::socket socket);
    Response download(const Request& request, const std::string& id, std::uint32_t chunk, bool whole);

    boost::asio::io_context& ioc_;
    boost::asio::ssl::context& tls_;
    MeshMailbox& mailbox_;
    MeshServerSettings settings_;
    MeshRequestAuth auth_;
    SimRandom chaos_rng_;
    SimListener listener_;
    std::unordered_set<boost::asio::ip::tcp::socket*> sockets_;
};

// Mutual-TLS server context: TLS >= 1.2, the client must present a certificate signed by the CA
// in `ca_file`.
void configure_mesh_tls(boost::asio::ssl::context& tls, const std::string& cert_file, const std::string& key_file,
                        const std::string& ca_file);

}  // namespace gpwatch::sim
