#pragma once
// The JSON body of POST /tasks for one alert, exactly as FEEDS.md describes it:
// {"practice","list","priority":"urgent|high|routine","title","body","patient":{"nhs_number"},
//  "dedupe_key"}. The task lands inside the clinical system, so it carries the patient's NHS
// number and the alert's full text; "patient" is left out when the alert is about no patient
// (an internal alert or a digest).

#include <string>

#include "proto/alert.hpp"

namespace gpwatch::task {

// urgent -> "urgent", high -> "high", anything lower -> "routine".
const char* priority_for(Severity severity);

// Stable per (practice, alert id), so a retry after a lost answer finds the first task.
std::string dedupe_key(const Alert& alert, const std::string& practice_ods);

std::string task_json(const Alert& alert, const std::string& practice_ods, const std::string& list);

}  // namespace gpwatch::task
