#pragma once
// What gpwatchd makes of one message taken from the MESH inbox, before policy sees it: a
// RecordEvent on the update_record feed. The MESH envelope decides first (a REPORT is a delivery
// failure, a workflow other than Update Record is recorded as such), and only then is the body
// read as an ITK3 message. Pure: no I/O, so gpwatchctl explain and the daemon share it.

#include <string>

#include "connectors/mesh/mesh_message.hpp"
#include "connectors/update_record/update_record_parser.hpp"
#include "proto/record_event.hpp"

namespace gpwatch {

// The MESH workflow id of GP Connect Update Record messages.
inline constexpr const char* kUpdateRecordWorkflow = "GPCONNECT_UPDATE_RECORD";

// `received` stands in for the message's own time when the message gives none.
RecordEvent mesh_to_event(const mesh::MeshMessage& message, const std::string& practice, SysSeconds received,
                          const update_record::ParseLimits& limits = {});

}  // namespace gpwatch
