#pragma once
// MeshInlet: gpwatchd's end of the practice's MESH mailbox. Owns the MeshClient built from the
// `mesh:` settings, turns each downloaded message into a RecordEvent (mesh_intake) for the
// daemon's group commit, and turns the client's health reports into log lines and the
// mesh_credentials_refused condition. It never acknowledges on its own: after a commit the daemon
// hands it the batch, and it alerts on the REPORTs in it, then acknowledges each message to MESH.

#include <functional>
#include <memory>
#include <string>

#include "connectors/mesh/mesh_client.hpp"
#include "daemon/app/inlet.hpp"

namespace gpwatch {

class MeshInlet : public ClientInlet<mesh::MeshClient> {
public:
    MeshInlet(const InletContext& context, const Settings& settings);
    void acknowledge(const std::vector<RecordEvent>& committed) override;
    InletStatus status() const override;
    const mesh::MeshClient& client() const { return *client_; }

    // True when a reload changed something the client was built from (it must be rebuilt).
    static bool needs_restart(const MeshSettings& before, const MeshSettings& after);
    // The kind: built when mesh.enabled, rebuilt when needs_restart says so.
    static InletKind kind();

private:
    void on_report(const mesh::MeshReport& report);

    InletContext context_;
    std::int64_t started_at_ = 0;
};

mesh::MeshClientOptions mesh_client_options(const MeshSettings& s);

}  // namespace gpwatch
