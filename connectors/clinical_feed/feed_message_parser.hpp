#pragma once

#include <string_view>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>

#include "connectors/clinical_feed/feed_message.hpp"

namespace gpwatch::clinical_feed {

// Turns feed frames into FeedMessages. Keeps one Boost.JSON parser and a reusable buffer so the
// hot path allocates little; not thread-safe (one per connection).
class FeedMessageParser {
public:
    FeedMessageParser();
    FeedMessage parse(std::string_view frame);

private:
    unsigned char buffer_[16384];      // the parser's temporary stack
    unsigned char value_buffer_[32768];  // where a frame's values live until copied into the event
    boost::json::parser parser_;
};

}  // namespace gpwatch::clinical_feed
