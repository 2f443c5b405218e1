#pragma once
// Counts the incidents of one period from the ledger, for the LMC report: one row per
// (reason, feed, writer's organisation type[, writer's ODS code]) with its raw count. Nothing
// about patients is read or returned: no NHS number, name, entry id or free text.
//
// What is an incident:
// - every verdict of a write, its reason being verdicts.reason, except review_tracked and
//   not_update_record (not incidents) and unreviewed_escalated (the same incident as its
//   unreviewed_overdue, so not counted twice);
// - content_rule verdicts count as "content_rule:<category>", the category of the rule the
//   verdict names (RuleCategories); a rule no longer in the settings counts as "uncategorised";
// - one "invalid_nhs_number" per write whose NHS number failed its check, except quarantined
//   (unparseable) messages and processor drift rows, which carry no NHS number at all.
// A write belongs to the period holding writes.written_at (when the feed says it was written),
// so a late-arriving write changes a week already closed.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "daemon/ledger/ledger.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

struct IncidentCell {
    std::string reason;           // unauthorised_write, ..., content_rule:<category>, invalid_nhs_number
    std::string feed;             // clinical | update_record
    std::string writer_org_type;  // writes.author_org_type; "unknown" when the feed gave none, or
                                  // anything but a lower-case word ([a-z0-9_-], at most 64)
    std::string writer_ods;       // empty unless counted per writer's ODS code, and when the feed's
                                  // value is not one (3-10 of [A-Z0-9], not ten digits)
    std::uint64_t count = 0;

    friend bool operator==(const IncidentCell&, const IncidentCell&) = default;
};

// Content rule name -> its category (ContentRule::category).
using RuleCategories = std::map<std::string, std::string>;
RuleCategories rule_categories(const Settings& settings);

// The reason string of a content rule category: "content_rule:<category>".
std::string content_rule_reason(const std::string& category);

// Incidents of writes with start <= written_at < end (unix seconds; a write whose time could not
// be right counts by its arrival, writes.trusted_at, instead). Sorted by reason, feed,
// writer_org_type, writer_ods; every count at least 1 (a cell never seen is not listed).
std::vector<IncidentCell> count_incidents(Ledger& ledger, std::int64_t start, std::int64_t end,
                                          bool per_writer_ods, const RuleCategories& categories);

}  // namespace gpwatch
