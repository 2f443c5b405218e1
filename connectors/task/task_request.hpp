#pragma once
// The JSON body of POST /tasks for one alert, exactly as docs/protocols.md describes it:
// {"practice","list","priority":"urgent|high|routine","title","body","patient":{"nhs_number"},
//  "dedupe_key"}, and "thread_id" (the first alert about the same write). The task lands inside
// the clinical system, so it carries the patient's NHS number and the alert's text (up to
// kMaxTaskText); "patient" is left out when the alert is about no patient (an internal alert or
// a digest).

#include <cstddef>
#include <string>

#include "proto/alert.hpp"

namespace gpwatch::task {

// urgent -> "urgent", high -> "high", anything lower -> "routine".
const char* priority_for(Severity severity);

// Stable per (practice, alert id), so a retry after a lost answer finds the first task.
std::string dedupe_key(const Alert& alert, const std::string& practice_ods);

// The task's text: the alert's, cut at a line end (and saying so) when longer than kMaxTaskText, as
// a long digest would be: a task list holds notes, not mailboxes.
inline constexpr std::size_t kMaxTaskText = 16 * 1024;
std::string task_text(const Alert& alert);

std::string task_json(const Alert& alert, const std::string& practice_ods, const std::string& list);

}  // namespace gpwatch::task
