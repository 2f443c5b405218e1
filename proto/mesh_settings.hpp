#pragma once
// The `mesh:` section of the settings: the practice's MESH mailbox, where Update Records arrive
// (docs/protocols.md section 1). daemon/settings/mesh_section parses it; connectors/mesh/MeshClient uses it.
// Secrets (password, shared secret) are read from the settings file or from files named there
// (e.g. systemd credentials) at load time; they never live in code.

#include <chrono>
#include <cstddef>
#include <string>

namespace gpwatch {

struct MeshSettings {
    bool enabled = false;
    std::string url;                  // https://host:port (the /messageexchange paths are added)
    std::string mailbox;              // e.g. C84001OT001
    std::string password;             // the mailbox password (from password or password_file)
    std::string password_file;        // where it came from, if a file (resolved path), for messages
    std::string shared_secret;        // the environment's shared secret (HMAC key)
    std::string shared_secret_file;   // where it came from, if a file (resolved path)
    std::string client_cert_file;     // the mailbox's client certificate (PEM)
    std::string client_key_file;      // its private key (PEM)
    std::string ca_file;              // CA that signed MESH's server certificate
    std::chrono::milliseconds poll_interval{std::chrono::minutes(5)};
    std::chrono::milliseconds handshake_interval{std::chrono::hours(24)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds retry_initial{std::chrono::seconds(1)};
    std::chrono::milliseconds retry_max{std::chrono::minutes(5)};
    std::chrono::milliseconds credentials_backoff{std::chrono::minutes(5)};  // wait after a 403
    std::size_t max_message_bytes = 100 * 1024 * 1024;
    bool operator==(const MeshSettings&) const = default;
};

}  // namespace gpwatch
