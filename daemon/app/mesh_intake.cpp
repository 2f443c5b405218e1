#include "daemon/app/mesh_intake.hpp"

namespace gpwatch {

RecordEvent mesh_to_event(const mesh::MeshMessage& message, const std::string& practice, SysSeconds received,
                          const update_record::ParseLimits& limits) {
    RecordEvent ev;
    if (message.type == mesh::MeshMessageType::report) {
        // A REPORT has an empty body by definition: nothing to parse, everything is in mex-*.
        ev.kind = EventKind::other;
        auto& mesh = mesh_part(ev);
        mesh.report = true;
        mesh.status_code = message.status_code;
        mesh.status_description = message.status_description;
        mesh.linked_message_id = message.linked_message_id;
    } else if (message.workflow_id != kUpdateRecordWorkflow) {
        ev.kind = EventKind::not_update_record;
        ev.parse_error = "MESH workflow '" + message.workflow_id + "' is not " + kUpdateRecordWorkflow;
    } else {
        ev = update_record::parse_update_record(message.body, limits);
    }
    ev.feed = Feed::update_record;
    ev.practice = practice;
    // After the body is parsed (which makes a new event): the envelope stays the MESH inlet's.
    mesh_part(ev).message_id = message.message_id;
    ev.mesh->workflow_id = message.workflow_id;
    if (ev.update_record.sender_mailbox.empty()) ev.update_record.sender_mailbox = message.from;
    // A message that cannot be read (or is not an Update Record) still needs an identity in the
    // ledger: the MESH id is unique and is what the admin can look up with MESH's own tools.
    if (ev.entry_id.empty()) ev.entry_id = message.message_id;
    if (ev.time == SysSeconds{}) ev.time = received;
    if (ev.kind == EventKind::unparseable && ev.raw.empty()) ev.raw = message.body;
    return ev;
}

}  // namespace gpwatch
