#pragma once
// UpdateRecordGenerator: the MESH simulator's traffic. Each call makes the next message a
// community pharmacy would put in the practice's MESH inbox: a GP Connect Update Record (ITK3
// FHIR STU3, modelled on NHS England's published examples), now and then in the FHIR JSON form,
// replacing an earlier one, marked NOPAT, carrying a pregnancy status or a safeguarding flag, an
// NHS number failing its check digit, a malformed body, another ITK3 event, or a MESH REPORT.
// The same seed gives the same messages (bodies, ids, kinds) for the same arrival times.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sim/common/sim_random.hpp"

namespace gpwatch::sim {

struct GeneratedMessage {
    std::string mesh_id;        // MESH message id, e.g. 20260511104207123_3A9F0C
    std::string message_type;   // DATA or REPORT
    std::string workflow_id;
    std::string from_mailbox;
    std::string to_mailbox;
    std::string local_id;
    std::string filename;
    std::string subject;
    std::string body;           // the whole payload, uncompressed; empty for a REPORT
    std::uint32_t chunks = 1;   // > 1: served as chunked
    bool gzip = false;          // chunks served gzip-compressed, each on its own
    // REPORT only.
    std::string status_code;
    std::string status_description;
    std::string linked_message_id;

    // What the message is, for the journal and tests: "data" or "report", then any of
    // "update-record", "other-event", "malformed", "xml", "json", the service key, the pathway
    // key, "nopat", "safeguarding", "pregnancy", "replaces", "invalid-nhs-number", "chunked",
    // "gzip".
    std::vector<std::string> kinds;
    std::string bundle_id;   // the ITK message id (outer Bundle identifier); empty if malformed beyond it
    std::string replaces;    // the earlier message's bundle_id when this one replaces it
    // The Update Record's message id (its bundle_id) when the message is a readable Update Record
    // (ITK014M, not malformed): the id gpwatchd records the write under and the clinical system's
    // workflow names it by. Empty for REPORTs, other ITK3 events and malformed messages.
    std::string update_record_id;
    std::string sender_ods;
    std::string service;     // service code
    std::string nhs_number;  // for tests only: never journalled or logged
    bool has_kind(std::string_view k) const;
};

class UpdateRecordGenerator {
public:
    UpdateRecordGenerator(std::uint64_t seed, std::string practice_mailbox);

    GeneratedMessage next(std::chrono::system_clock::time_point now);

private:
    struct Earlier {
        std::string bundle_id;
        std::string nhs_number;
        std::size_t pharmacy;
        int service;  // 0 pharmacy first, 1 bp check, 2 contraception
        std::size_t pathway;
    };

    std::string uuid();
    std::string mesh_id(std::chrono::system_clock::time_point now);
    GeneratedMessage make_report(std::chrono::system_clock::time_point now);
    GeneratedMessage make_data(std::chrono::system_clock::time_point now);

    SimRandom rng_;
    std::string practice_mailbox_;
    std::deque<Earlier> recent_;  // candidates for a replacement
    std::deque<std::string> sent_ack_ids_;  // MESH ids a REPORT may link to
};

}  // namespace gpwatch::sim
