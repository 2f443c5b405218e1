#pragma once
// One message downloaded from a MESH inbox: the mex-* headers that describe it and its body,
// reassembled from its chunks and inflated. What the message means (an ITK3 Update Record or
// something else) is connectors/update_record's business, not this one's.

#include <cstdint>
#include <string>

namespace gpwatch::mesh {

enum class MeshMessageType {
    data,    // mex-messagetype: DATA, a message another mailbox sent
    report,  // mex-messagetype: REPORT, MESH telling us a message failed (empty body, status fields)
};

struct MeshMessage {
    std::string message_id;         // mex-messageid (the id the inbox listed)
    std::string from;               // mex-from: the sender's mailbox
    std::string to;                 // mex-to: our mailbox
    std::string workflow_id;        // mex-workflowid, e.g. GPCONNECT_UPDATE_RECORD
    std::string local_id;           // mex-localid: the sender's own reference
    std::string filename;           // mex-filename
    std::string subject;            // mex-subject
    MeshMessageType type = MeshMessageType::data;
    std::string status_code;        // mex-statuscode (REPORT: why it failed; DATA: usually 00)
    std::string status_description; // mex-statusdescription
    std::string linked_message_id;  // mex-linkedmsgid (REPORT: the message it is about)
    bool content_compressed = false;  // mex-content-compressed: Y (the sender compressed it)
    std::uint32_t chunks = 1;       // how many chunks it came in
    std::string body;               // the whole body, chunks joined and gzip undone
};

const char* to_string(MeshMessageType t);

}  // namespace gpwatch::mesh
