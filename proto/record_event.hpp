#pragma once
// RecordEvent: what any connector makes of one thing that happened upstream.
// Connectors produce it, policy and ledger consume it; it holds no I/O and no behaviour.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpwatch {

using SysSeconds = std::chrono::sys_time<std::chrono::seconds>;

// Which upstream a write came from. The ledger's idempotence key is (feed, sequence/id).
enum class Feed { clinical, update_record };

enum class EventKind {
    entry_created,
    entry_amended,
    entry_entered_in_error,
    workflow_filed,
    workflow_rejected,
    sharing_changed,
    patient_flags,
    not_update_record,  // a MESH message that is not an ITK014M Update Record: recorded, not guessed at
    unparseable,  // a frame or message that could not be parsed: kept whole, quarantined, alerted
    other,  // a type this build does not know yet: recorded in the cursor, never guessed at
};

struct Coding {
    std::string system;
    std::string code;
    std::string display;
    std::string resource;  // the FHIR resource type the coding was found in
};

struct Author {
    std::string ods;       // organisation code of the writer
    std::string name;      // organisation name as the clinical system gives it
    std::string org_type;  // e.g. mental-health-trust, out-of-hours, community-pharmacy
    std::string user_role;
    std::string user_id;
};

// Who reviewed (filed or rejected) a write in the practice's workflow.
struct Reviewer {
    std::string user_id;
    std::string user_role;
    std::string name;
};

// What MESH says about the message an event arrived in: what only the MESH inlet produces and
// only the MESH bookkeeping (mesh_messages, acknowledgement, REPORT alerts) reads.
struct MeshDelivery {
    std::string message_id;   // mex-messageid
    std::string workflow_id;  // mex-workflowid
    // REPORT messages (MESH telling the practice a message failed): kind `other`, feed
    // update_record; recorded in mesh_messages and alerted as a delivery failure, never parsed.
    bool report = false;
    std::string status_code;         // mex-statuscode
    std::string status_description;  // mex-statusdescription
    std::string linked_message_id;   // mex-linkedmsgid: the message the report is about
};

// What a GP Connect Update Record adds to a write (the parser fills it; empty for other feeds).
struct UpdateRecordPart {
    std::string document_id;        // the inner document Bundle's identifier value
    std::string sender_mailbox;     // MESH mailbox of the sender (MessageHeader source.endpoint)
    std::string service_code;       // Composition type: Pharmacy First, BP Check, Contraception...
    std::string service_display;
    std::string replaces;           // identifier of the earlier payload this one replaces (may be empty)
    SysSeconds encounter_time{};    // Encounter period start
};

struct RecordEvent {
    Feed feed = Feed::clinical;
    std::uint64_t seq = 0;          // feed sequence number (clinical feed); 0 when not applicable
    EventKind kind = EventKind::other;
    std::string practice;           // ODS code of the practice the event belongs to
    SysSeconds time{};              // when it happened upstream (RFC 3339 in the feed)

    // Entry events (entry.*): the entry and who wrote it.
    std::string entry_id;           // upstream id of the written thing (entry id, or the MESH message id)
    std::string nhs_number;         // may be empty (entered-in-error carries none)
    bool nhs_number_valid = false;  // modulus-11 check digit holds
    Author author;
    std::string route;              // e.g. shared-record
    std::string resource_type;      // e.g. Observation
    std::vector<Coding> codes;
    bool nopat = false;             // meta.security NOPAT: not for the patient's eyes

    // Workflow events (workflow.filed / workflow.rejected): which item was reviewed, by whom.
    std::string item_kind;          // "entry" or "update-record"
    std::string item_id;
    Reviewer reviewer;

    // Update Record messages (feed update_record; kind entry_created; entry_id = the message id,
    // the outer Bundle's identifier value; author = the sending pharmacy; route "update-record"):
    // what the message says beyond a write's common part.
    UpdateRecordPart update_record;
    // Codings a write carries besides `codes`, for the content rules (Update Record today).
    std::vector<Coding> medicines;  // MedicationDispense codings (dm+d)
    std::vector<Coding> flags;      // Flag codings (e.g. safeguarding)
    // The MESH envelope of a message that came from the practice's mailbox (feed update_record);
    // none for events of other feeds.
    std::optional<MeshDelivery> mesh;

    // Patient flags (patient.flags): codes added and removed for `nhs_number`.
    std::vector<Coding> flags_added;
    std::vector<Coding> flags_removed;

    // Sharing changes (sharing.changed): the processor's configuration as the clinical system reports it.
    std::string setting;            // update-record | share-in | agreement
    std::string setting_value;      // on/off, allowed/prohibited/removed, active/inactive
    std::string setting_ods;        // share-in: the organisation
    std::string setting_agreement;  // agreement: its name
    std::string changed_by_kind;    // practice-user | supplier
    std::string changed_by_name;
    std::string changed_by_user_id;

    // Unparseable messages: the bytes as received and why they could not be read.
    std::string raw;
    std::string parse_error;
};

// The event's MESH part, made when it has none yet (for producers filling it in field by field).
inline MeshDelivery& mesh_part(RecordEvent& ev) {
    if (!ev.mesh) ev.mesh.emplace();
    return *ev.mesh;
}

// The MESH message id the event arrived in; empty when it did not come from MESH.
inline const std::string& mesh_message_id(const RecordEvent& ev) {
    static const std::string none;
    return ev.mesh ? ev.mesh->message_id : none;
}

// True when the event is a write into the record (as opposed to a review, a setting or a flag).
inline bool is_entry_event(EventKind k) {
    return k == EventKind::entry_created || k == EventKind::entry_amended ||
           k == EventKind::entry_entered_in_error;
}

inline bool is_review_event(EventKind k) {
    return k == EventKind::workflow_filed || k == EventKind::workflow_rejected;
}

const char* to_string(Feed f);
const char* to_string(EventKind k);
std::optional<Feed> feed_from_string(const std::string& s);

}  // namespace gpwatch
