#pragma once
// The MESH simulator's mutual-TLS material: a throw-away CA, the server's certificate (127.0.0.1
// and localhost) and the practice's client certificate, all signed by that CA. Kept in the state
// directory and reused across restarts, so a daemon configured with the client files keeps
// working; made afresh when any file is missing or about to expire.

#include <string>

namespace gpwatch::sim {

struct MeshTlsFiles {
    std::string ca_cert;      // what both sides trust
    std::string server_cert;
    std::string server_key;
    std::string client_cert;  // the practice's certificate (CN = its mailbox)
    std::string client_key;
    bool made = false;        // false: found in the state directory and reused
};

// Ensures the five PEM files exist in `state_dir` (ca.pem, server.pem, server.key, client.pem,
// client.key) and returns their paths. Throws std::runtime_error naming what failed.
MeshTlsFiles ensure_mesh_certificates(const std::string& state_dir, const std::string& client_common_name);

}  // namespace gpwatch::sim
