#include "daemon/app/mesh_inlet.hpp"

#include <spdlog/spdlog.h>

#include "daemon/app/mesh_intake.hpp"

namespace gpwatch {

mesh::MeshClientOptions mesh_client_options(const MeshSettings& s) {
    mesh::MeshClientOptions o;
    o.url = s.url;
    o.credentials = mesh::MeshCredentials{s.mailbox, s.password, s.shared_secret};
    o.ca_file = s.ca_file;
    o.client_cert_file = s.client_cert_file;
    o.client_key_file = s.client_key_file;
    o.poll_interval = s.poll_interval;
    o.handshake_interval = s.handshake_interval;
    o.request_timeout = s.request_timeout;
    o.retry_initial = s.retry_initial;
    o.retry_max = s.retry_max;
    o.credentials_backoff = s.credentials_backoff;
    o.max_message_bytes = s.max_message_bytes;
    return o;
}

bool MeshInlet::needs_restart(const MeshSettings& a, const MeshSettings& b) {
    return a != b;
}

MeshInlet::MeshInlet(boost::asio::any_io_executor ex, const Settings& settings, EventHandler on_event,
                     ReportHandler on_report) {
    // The parser's own limits (20 MB, depth 64): an Update Record is a few kilobytes, and a
    // bigger body is quarantined unread rather than parsed.
    const update_record::ParseLimits limits;
    auto practice = settings.practice_ods;
    client_ = std::make_unique<mesh::MeshClient>(
        std::move(ex), mesh_client_options(settings.mesh),
        [on_event = std::move(on_event), practice, limits](mesh::MeshMessage&& m) {
            auto received = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
            auto ev = mesh_to_event(m, practice, received, limits);
            // Ids and kinds only: the body may name a patient.
            spdlog::debug("mesh: message {} from {} ({} bytes, {} chunk(s)): {}", m.message_id, m.from,
                          m.body.size(), m.chunks, ev.mesh_report ? "REPORT" : to_string(ev.kind));
            on_event(std::move(ev));
        },
        std::move(on_report));
}

}  // namespace gpwatch
