#pragma once
// MeshInlet: gpwatchd's end of the practice's MESH mailbox. Owns the MeshClient built from the
// `mesh:` settings, turns each downloaded message into a RecordEvent (mesh_intake) for the
// daemon's group commit, and passes the client's health reports on. It never acknowledges on its
// own: the daemon calls acknowledge() for messages whose batch is committed to the ledger.

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "connectors/mesh/mesh_client.hpp"
#include "proto/record_event.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

class MeshInlet {
public:
    using EventHandler = std::function<void(RecordEvent&&)>;
    using ReportHandler = std::function<void(const mesh::MeshReport&)>;

    MeshInlet(boost::asio::any_io_executor ex, const Settings& settings, EventHandler on_event,
              ReportHandler on_report);
    void start() { client_->start(); }
    void stop(std::function<void()> on_stopped) { client_->stop(std::move(on_stopped)); }
    void acknowledge(const std::string& mesh_id) { client_->acknowledge(mesh_id); }
    bool healthy() const { return client_->healthy(); }
    const mesh::MeshClientCounters& counters() const { return client_->counters(); }
    const mesh::MeshClient& client() const { return *client_; }

    // True when a reload changed something the client was built from (it must be rebuilt).
    static bool needs_restart(const MeshSettings& before, const MeshSettings& after);

private:
    std::unique_ptr<mesh::MeshClient> client_;
};

mesh::MeshClientOptions mesh_client_options(const MeshSettings& s);

}  // namespace gpwatch
