#include "daemon/app/mesh_inlet.hpp"

#include <spdlog/spdlog.h>

#include "connectors/client_loop/client_loop.hpp"
#include "daemon/app/mesh_intake.hpp"
#include "proto/internal_conditions.hpp"

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

MeshInlet::MeshInlet(const InletContext& context, const Settings& settings)
    : context_(context), started_at_(client_loop::unix_now()) {
    // The parser's own limits (20 MB, depth 64): an Update Record is a few kilobytes, and a
    // bigger body is quarantined unread rather than parsed.
    const update_record::ParseLimits limits;
    auto practice = settings.practice_ods;
    client_ = std::make_unique<mesh::MeshClient>(
        context_.ex, mesh_client_options(settings.mesh),
        [on_event = context_.on_event, practice, limits](mesh::MeshMessage&& m) {
            auto received = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
            auto ev = mesh_to_event(m, practice, received, limits);
            // Ids and kinds only: the body may name a patient.
            spdlog::debug("mesh: message {} from {} ({} bytes, {} chunk(s)): {}", m.message_id, m.from,
                          m.body.size(), m.chunks, ev.mesh && ev.mesh->report ? "REPORT" : to_string(ev.kind));
            on_event(std::move(ev));
        },
        [this](const mesh::MeshReport& r) { on_report(r); });
}

InletStatus MeshInlet::status() const {
    InletStatus s;
    const auto& m = *client_;
    const auto& c = m.counters();
    s.healthy = m.healthy();
    s.watched_since = started_at_;
    s.last_success_at = m.last_poll_at();
    s.last_error = m.last_error();
    s.last_error_at = m.last_error_at();
    s.counters.polls = c.polls;
    s.counters.events = c.downloads;
    s.counters.acks = c.acks;
    s.counters.errors = c.errors_credentials + c.errors_tls + c.errors_connection + c.errors_timeout +
                        c.errors_server + c.errors_protocol;
    s.in_flight = m.in_flight();
    return s;
}

void MeshInlet::on_report(const mesh::MeshReport& r) {
    using mesh::MeshEvent;
    switch (r.event) {
        case MeshEvent::recovered:
            spdlog::info("mesh: working again ({})", r.detail);
            context_.set_condition(condition::mesh_credentials_refused, false, Severity::high, "", "");
            break;
        case MeshEvent::credentials_refused:
            spdlog::error("mesh: MESH refused gpwatchd's credentials (HTTP {}): {}. Check mesh.mailbox, the "
                          "password, the shared secret and the client certificate; retrying slowly",
                          r.http_status, r.detail);
            context_.set_condition(condition::mesh_credentials_refused, true, Severity::high,
                                   "MESH refused gpwatchd's credentials",
                                   "HTTP " + std::to_string(r.http_status) + ": " + r.detail);
            context_.deliver_alerts();
            break;
        case MeshEvent::message_too_large:
            spdlog::error("mesh: message {} refused: {}; it stays in the MESH inbox", r.message_id, r.detail);
            break;
        case MeshEvent::message_gone:
        case MeshEvent::message_not_found:
        case MeshEvent::ack_not_found:
            spdlog::warn("mesh: message {}: {} (HTTP {})", r.message_id, r.detail, r.http_status);
            break;
        default:
            spdlog::warn("mesh: {} (HTTP {}): {}; retrying with backoff", mesh::to_string(r.event), r.http_status,
                         r.detail);
            break;
    }
}

void MeshInlet::acknowledge(const std::vector<RecordEvent>& committed) {
    bool alerted_any = false;
    for (const auto& ev : committed) {
        if (!ev.mesh || ev.mesh->message_id.empty()) continue;
        const auto& mesh = *ev.mesh;
        if (mesh.report) {
            spdlog::error("mesh: REPORT {}: a MESH message failed ({} {}), about message {}", mesh.message_id,
                          mesh.status_code, mesh.status_description, mesh.linked_message_id);
            // Alerted before it is acknowledged: if this fails, MESH keeps the report and hands it
            // over again (the ledger then skips it as a replay, and this alert is retried).
            const std::string from = ev.update_record.sender_mailbox.empty() ? "" : " (report from MESH mailbox " + ev.update_record.sender_mailbox + ")";
            const bool alerted = context_.raise_event(
                "mesh_report:" + mesh.message_id, condition::mesh_delivery_report, Severity::high,
                "MESH could not deliver message " + mesh.linked_message_id + from,
                "MESH report " + mesh.message_id + from + ": status " + mesh.status_code + " (" +
                    mesh.status_description + ") about message " + mesh.linked_message_id);
            if (!alerted) continue;
            alerted_any = true;
        }
        client_->acknowledge(mesh.message_id);
    }
    if (alerted_any) context_.deliver_alerts();
}

InletKind MeshInlet::kind() {
    InletKind k;
    k.name = "mesh";
    k.make = [](const InletContext& context, const Settings& settings) -> std::unique_ptr<Inlet> {
        const auto& m = settings.mesh;
        if (!m.enabled) {
            spdlog::info("mesh: not configured; Update Record messages are not being fetched");
            return nullptr;
        }
        auto inlet = std::make_unique<MeshInlet>(context, settings);
        spdlog::info("mesh: mailbox {} at {}, polling every {} s", m.mailbox, m.url,
                     std::chrono::duration_cast<std::chrono::seconds>(m.poll_interval).count());
        return inlet;
    };
    // The practice too: every event the inlet makes is stamped with the code it was built with.
    k.needs_restart = [](const Settings& before, const Settings& after) {
        return needs_restart(before.mesh, after.mesh) || before.practice_ods != after.practice_ods;
    };
    k.restart_note = "mesh settings changed; reconnecting to the mailbox";
    return k;
}

}  // namespace gpwatch
