#pragma once
// Builds one week's IncidentReport from raw incident counts: groups the cells by reason, passes
// each reason's cells and total through disclosure control (reporting/disclosure.hpp) as one
// group, and fills every field but revision and generated_at (report_preparer decides those).
//
// Every known reason has a ReasonTotal, 0 when nothing happened, so an LMC sees "0" rather than
// an absence: the fixed reasons below plus "content_rule:<category>" for each category in force.
// Order is deterministic: totals by reason, cells by (reason, feed, org type, ODS).

#include <string>
#include <vector>

#include "daemon/reporting/incident_counts.hpp"
#include "proto/incident_report.pb.h"
#include "proto/settings.hpp"
#include "reporting/iso_week.hpp"

namespace date { class time_zone; }

namespace gpwatch {

struct ReportContext {
    std::string practice_ods;
    std::string gpwatch_version;
    std::string settings_hash;   // "sha256:<hex>" of the settings file in force (Settings::source_hash)
    bool per_writer_ods = false;
    const date::time_zone* zone = nullptr;  // calendar.time_zone: where weeks start
    RuleCategories rule_categories;  // content rule name -> category, for the rules in force
};

// The context for `settings` as loaded (zone located from calendar.time_zone; throws
// std::runtime_error if the zone is unknown, which a loaded Settings never has).
ReportContext report_context(const Settings& settings);

// This build's version (CMake's project version), as reports name it.
const char* gpwatch_version();

// The reasons every report totals, incidents or not (content rules come from the settings).
const std::vector<std::string>& fixed_report_reasons();

report::IncidentReport build_report(const ReportContext& context, const reporting::IsoWeek& week,
                                    const std::vector<IncidentCell>& cells);

// Lower-case sha256 hex over what the report says: practice, period, per_writer_ods, every
// count and every total. Not revision, generated_at, version or settings hash: a recount that
// finds the same controlled numbers has the same digest, so it makes no new revision.
std::string content_digest(const report::IncidentReport& report);

}  // namespace gpwatch
