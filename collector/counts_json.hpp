#pragma once
// GET /api/counts: the aggregate table as JSON for the page's script (and anyone's). A redacted
// aggregate carries "value": null and "redacted": true, never a number. A week no practice
// reported carries "value": null, "redacted": false, "practices_reporting": 0 and
// "text": "no reports": no data, which a 0 never stands for.
//
// {"weeks": ["2026-W40", ...], "reasons": ["unauthorised_write", ...],
//  "cells": [{"reason", "week", "value": 30 | null, "redacted": bool, "redacted_parts": n,
//             "practices": n, "practices_reporting": n,
//             "text": "30" | "redacted" | "10 + 2 redacted" | "no reports"}, ...],
//  "totals": [{"week", "value", "redacted", "redacted_parts", "practices", "practices_reporting",
//              "text"}, ...]}

#include <string>

#include "collector/aggregates.hpp"

namespace gpwatch::collector {

std::string counts_json(const CountsTable& table);

}  // namespace gpwatch::collector
