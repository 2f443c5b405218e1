#pragma once
// What sets one feed apart, said once: what policy and the alert words ask of a feed go through
// its description, never through a choice on Feed. Adding a feed (a history export, ...) means
// adding its Feed value, its name (names.cpp) and one description in feed_description.cpp.

#include <optional>
#include <string>

#include "proto/record_event.hpp"
#include "proto/settings.hpp"

namespace gpwatch {

struct FeedDescription {
    Feed feed = Feed::clinical;
    // The settings switch that lets the feed write at all (feeds.<name>.enabled, review_within).
    FeedSwitch Settings::*feed_switch = nullptr;
    // What a review in the clinical system's workflow calls the feed's writes (item.kind).
    const char* item_kind = "";
    // Its writes can replace earlier ones (RecordEvent::replaces means something).
    bool writes_replace = false;

    // Words. The feed switched off, as the start of a sentence: "Shared-record writing".
    const char* switch_words = "";
    // One of its writes, as an alert's "What:" begins ("GP Connect Update Record"); empty: the
    // record type of the write in words ("Observation"), else "An entry".
    const char* write_words = "";
    // The kind of record in a subject ("Update Record"); empty: the record type in words.
    const char* record_words = "";
};

const FeedDescription& describe(Feed feed);

// The feed whose writes a workflow item of `item_kind` names, if a feed calls them so.
std::optional<Feed> feed_of_item_kind(const std::string& item_kind);

}  // namespace gpwatch
