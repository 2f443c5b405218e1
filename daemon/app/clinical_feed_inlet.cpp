#include "daemon/app/clinical_feed_inlet.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace gpwatch {

clinical_feed::FeedClientOptions feed_client_options(const Settings& s) {
    const auto& f = s.clinical_feed;
    clinical_feed::FeedClientOptions o;
    o.url = f.url;
    o.token = f.token;
    o.ca_file = f.ca_file;
    o.practice = s.practice_ods;
    o.max_frame_bytes = f.max_frame_bytes;
    o.reconnect_initial = f.reconnect_initial;
    o.reconnect_max = f.reconnect_max;
    return o;
}

ClinicalFeedInlet::ClinicalFeedInlet(const InletContext& context, const Settings& settings) {
    client_ = std::make_unique<clinical_feed::ClinicalFeedClient>(context.ex, feed_client_options(settings),
                                                                  context.on_event, context.cursor(Feed::clinical));
}

void ClinicalFeedInlet::acknowledge(const std::vector<RecordEvent>& committed) {
    std::uint64_t durable = 0;
    for (const auto& ev : committed)
        if (ev.feed == Feed::clinical) durable = std::max(durable, ev.seq);
    if (durable) client_->acknowledge(durable);
}

InletStatus ClinicalFeedInlet::status() const {
    InletStatus s;
    const auto& c = client_->counters();
    s.healthy = client_->connected();
    s.delivered_seq = client_->delivered_seq();
    s.last_event_at = client_->last_event_at();
    s.last_heartbeat_at = client_->last_heartbeat_at();
    s.last_error = client_->last_error();
    s.last_error_at = client_->last_error_at();
    s.counters.connects = c.connects;
    s.counters.disconnects = c.disconnects;
    s.counters.events = c.events;
    s.counters.gaps = c.gaps;
    s.counters.malformed = c.malformed;
    return s;
}

InletKind ClinicalFeedInlet::kind() {
    InletKind k;
    k.name = "clinical_feed";
    k.make = [](const InletContext& context, const Settings& settings) -> std::unique_ptr<Inlet> {
        if (!settings.clinical_feed.enabled) {
            spdlog::warn("clinical feed: disabled in the settings; not connecting");
            return nullptr;
        }
        return std::make_unique<ClinicalFeedInlet>(context, settings);
    };
    // Every feed setting, and the practice the feed is asked for: whole structs compared, so a new
    // setting cannot be missed.
    k.needs_restart = [](const Settings& before, const Settings& after) {
        return before.clinical_feed != after.clinical_feed || before.practice_ods != after.practice_ods;
    };
    k.restart_note = "clinical feed settings changed; reconnecting";
    return k;
}

}  // namespace gpwatch
