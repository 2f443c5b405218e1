#pragma once
// GET /api/counts: the aggregate table as JSON for the page's script (and anyone's). A redacted
// aggregate carries "value": null and "redacted": true, never a number.
//
// {"weeks": ["2026-W40", ...], "reasons": ["unauthorised_write", ...],
//  "cells": [{"reason", "week", "value": 30 | null, "redacted": bool, "redacted_parts": n,
//             "practices": n, "text": "30" | "redacted" | "10 + 2 redacted"}, ...],
//  "totals": [{"week", "value", "redacted", "redacted_parts", "practices", "text"}, ...]}

#include <string>

#include "collector/aggregates.hpp"

namespace gpwatch::collector {

std::string counts_json(const CountsTable& table);

}  // namespace gpwatch::collector
