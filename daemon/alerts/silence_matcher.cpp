#include "daemon/alerts/silence_matcher.hpp"

#include "daemon/alerts/alert_router.hpp"

namespace gpwatch::alerts {

const SilenceRow* matching_silence(const std::vector<SilenceRow>& silences, const Alert& alert, std::int64_t now) {
    if (alert.kind == "digest") return nullptr;
    for (const auto& s : silences) {
        if (!s.active(now)) continue;
        if (s.org.empty() && s.reason.empty()) continue;  // matches nothing rather than everything
        if (!s.org.empty() && s.org != alert.author_ods) continue;
        if (!s.reason.empty() && s.reason != reason_word(alert)) continue;
        return &s;
    }
    return nullptr;
}

}  // namespace gpwatch::alerts
