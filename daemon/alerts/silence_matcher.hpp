#pragma once
// Which silence, if any, holds an alert back. A silence names an organisation (the writer's ODS
// code) or a reason (or both: then both must match), until a time. Pure.

#include <cstdint>
#include <vector>

#include "daemon/ledger/delivery_ledger.hpp"
#include "proto/alert.hpp"

namespace gpwatch::alerts {

// The first active silence at `now` that matches, or nullptr. Digests are never silenced (what
// they gather was already let through).
const SilenceRow* matching_silence(const std::vector<SilenceRow>& silences, const Alert& alert, std::int64_t now);

}  // namespace gpwatch::alerts
