#pragma once
// Words for the duty GP: turns a write and a verdict into an alert's subject and body, written to
// be taken in within ten seconds: what arrived, from whom, for which patient, when, why it matters,
// and what to do. The NHS number appears here because the duty inbox is inside the NHS; it must
// never appear in logs.

#include <string>

#include "daemon/ledger/ledger.hpp"
#include "proto/settings.hpp"
#include "proto/verdict.hpp"

namespace gpwatch::alerts {

struct AlertText {
    std::string subject;
    std::string body;
};

// What the ledger's write row does not hold but the alert should say.
struct AlertContext {
    std::string mesh_sender;  // the MESH mailbox a message came from (an unreadable one names no sender)
};

// Record types and job roles in words come from settings.words (config/words/).
AlertText compose(const Settings& settings, const WriteRecord& write, const Verdict& verdict,
                  const AlertContext& context = {});

// "943 476 5919": the grouping clinicians read aloud.
std::string format_nhs_number(const std::string& digits);

}  // namespace gpwatch::alerts
