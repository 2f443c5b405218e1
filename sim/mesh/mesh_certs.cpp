#include "sim/mesh/mesh_certs.hpp"

#include <filesystem>

#include "sim/common/cert_maker.hpp"

namespace gpwatch::sim {

namespace {

constexpr long kValidDays = 365;
constexpr long kRenewWithinSeconds = 2L * 24 * 3600;

}  // namespace

MeshTlsFiles ensure_mesh_certificates(const std::string& state_dir, const std::string& client_common_name) {
    MeshTlsFiles f;
    f.ca_cert = state_dir + "/ca.pem";
    f.server_cert = state_dir + "/server.pem";
    f.server_key = state_dir + "/server.key";
    f.client_cert = state_dir + "/client.pem";
    f.client_key = state_dir + "/client.key";
    namespace fs = std::filesystem;
    if (cert_file_valid_for(f.ca_cert, kRenewWithinSeconds) &&
        cert_file_valid_for(f.server_cert, kRenewWithinSeconds) &&
        cert_file_valid_for(f.client_cert, kRenewWithinSeconds) && fs::exists(f.server_key) &&
        fs::exists(f.client_key))
        return f;

    const TestCa ca("gpwatch MESH simulator", "gpwatch-sim MESH test CA", kValidDays);
    const LeafCert server = ca.issue(LeafRole::server, "localhost");
    const LeafCert client = ca.issue(LeafRole::client, client_common_name);
    // Keys first, CA last: a reader that sees the new CA also finds certificates it signed.
    // The keys are throw-away test keys; write_file_atomic leaves them readable so a daemon under
    // another user can use the client key.
    write_file_atomic(f.server_key, server.key_pem);
    write_file_atomic(f.server_cert, server.cert_pem);
    write_file_atomic(f.client_key, client.key_pem);
    write_file_atomic(f.client_cert, client.cert_pem);
    write_file_atomic(f.ca_cert, ca.cert_pem());
    f.made = true;
    return f;
}

}  // namespace gpwatch::sim
