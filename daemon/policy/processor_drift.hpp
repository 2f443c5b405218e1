#pragma once
// Processor drift: the clinical system (the data processor) reports a change of its own sharing
// configuration (sharing.changed); compare the new state with what the controller's settings say
// it must be (processor:). A difference is drift; a later change that restores it closes the drift.

#include <optional>
#include <string>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"

namespace gpwatch::policy {

struct ProcessorCheck;

// nullopt when the event names a setting this build does not know (recorded, never guessed at).
std::optional<ProcessorCheck> check_processor(const Settings& settings, const RecordEvent& ev);

}  // namespace gpwatch::policy
