#pragma once
// A digest: one message that carries several alerts, gathered for digest_window because their
// route asked for a digest, because a sink was down for hours and would otherwise receive a flood
// when it returns, or because more alerts fell due for a sink at once than its flood limit allows
// (a catch-up after downtime, a backlog replay, a restart). It loses nothing: it lists every alert and then carries each
// one's full text, so the duty GP needs no other message.

#include <cstdint>
#include <string>
#include <vector>

#include "proto/alert.hpp"

namespace gpwatch::alerts {

enum class DigestCause { window, backlog, flood };

// kind "digest", covers = the alerts' ids, severity = the highest among them. `alerts` non-empty.
// A flood digest lists the most severe first, and says in its subject how many of each.
Alert compose_digest(const std::vector<Alert>& alerts, DigestCause cause, std::int64_t now);

}  // namespace gpwatch::alerts
