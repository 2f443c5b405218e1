#pragma once
// AlertOutbox: delivers the ledger's pending alerts through a sink, at least once, recording each
// outcome in the ledger. A failure worth retrying is retried with exponential backoff and jitter;
// a permanent one is marked failed. Because delivery state lives in the ledger, a restart neither
// loses nor repeats an alert (sinks are idempotent on the alert id).

#include <cstdint>
#include <random>

#include "daemon/ledger/ledger.hpp"
#include "proto/alert_sink.hpp"

namespace gpwatch::alerts {

struct OutboxRound {
    int delivered = 0;
    int retried = 0;
    int failed = 0;
};

class AlertOutbox {
public:
    AlertOutbox(Ledger& ledger, AlertSink& sink);
    // Delivers what is due at `now` (unix seconds), in one ledger transaction per alert.
    OutboxRound deliver_due(std::int64_t now);
    // Seconds to wait before retrying after `attempts` failures: 5 s doubling to 1 h, with jitter.
    std::int64_t retry_delay(int attempts);

private:
    Ledger& ledger_;
    AlertSink& sink_;
    std::mt19937_64 rng_;
};

}  // namespace gpwatch::alerts
