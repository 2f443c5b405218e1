// The Ledger's MESH bookkeeping (table mesh_messages): kept apart from ledger.cpp because MESH
// messages are few, so these statements are prepared per call rather than cached.

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

bool Ledger::record_mesh_message(const MeshMessageRow& r) {
    auto st = db_->prepare(
        "INSERT INTO mesh_messages (mesh_id, message_type, workflow_id, sender_mailbox, outcome, "
        "upstream_id, detail, linked_message_id, received_at) VALUES (?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (mesh_id) DO NOTHING");
    st.bind(1, r.mesh_id).bind(2, r.message_type).bind(3, r.workflow_id).bind(4, r.sender_mailbox)
        .bind(5, r.outcome).bind(6, r.upstream_id).bind(7, r.detail).bind(8, r.linked_message_id)
        .bind(9, r.received_at);
    st.run();
    return db_->changes() > 0;
}

void Ledger::mark_mesh_acknowledged(const std::string& mesh_id, std::int64_t at) {
    auto st = db_->prepare(
        "UPDATE mesh_messages SET acknowledged_at = ? WHERE mesh_id = ? AND acknowledged_at IS NULL");
    st.bind(1, at).bind(2, mesh_id);
    st.run();
}

}  // namespace gpwatch
