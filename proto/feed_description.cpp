#include "proto/feed_description.hpp"

namespace gpwatch {

namespace {

// Every feed, once.
const FeedDescription kFeeds[] = {
    {
        .feed = Feed::clinical,
        .feed_switch = &Settings::shared_record,
        .item_kind = "entry",
        .writes_replace = false,
        .switch_words = "Shared-record writing",
        .write_words = "",
        .record_words = "",
    },
    {
        .feed = Feed::update_record,
        .feed_switch = &Settings::update_record,
        .item_kind = "update-record",
        .writes_replace = true,
        .switch_words = "GP Connect Update Record",
        .write_words = "GP Connect Update Record",
        .record_words = "Update Record",
    },
};

}  // namespace

const FeedDescription& describe(Feed feed) {
    for (const auto& d : kFeeds)
        if (d.feed == feed) return d;
    return kFeeds[0];
}

std::optional<Feed> feed_of_item_kind(const std::string& item_kind) {
    for (const auto& d : kFeeds)
        if (item_kind == d.item_kind) return d.feed;
    return std::nullopt;
}

}  // namespace gpwatch
