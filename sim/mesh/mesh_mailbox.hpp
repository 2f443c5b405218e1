#pragma once
// MeshMailbox: the practice's MESH inbox as the simulator keeps it. Messages are delivered by the
// arrival clock, listed oldest first until acknowledged, and expire when left unacknowledged for
// `expire_after` (MESH: 5 days). Every delivery, acknowledgement and expiry is one journal line.
//
// Behaviour copied from MESH (and NHS Digital's mesh-sandbox): acknowledging an acknowledged
// message again is 200 and changes nothing; downloading an acknowledged message is 410 Gone.
// Acknowledging an expired message is 410 as well (the simulator's choice: the message was never
// received, and a client should know).

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/mesh/update_record_generator.hpp"

namespace gpwatch::sim {

class Journal;

class MeshMailbox {
public:
    using Clock = std::chrono::steady_clock;

    MeshMailbox(std::chrono::milliseconds expire_after, Journal* journal, std::size_t capacity = 100000);

    // False (and nothing stored) when the inbox already holds `capacity` messages.
    bool deliver(GeneratedMessage message);

    // Ids of messages waiting (neither acknowledged nor expired), oldest first, at most `max`,
    // starting after `continue_from` when given (by delivery order, so it works even when that
    // message was acknowledged meanwhile; an id never delivered lists from the start). `more`
    // says whether more were left.
    std::vector<std::string> list(std::size_t max, const std::string& continue_from, bool& more);
    std::size_t waiting();

    enum class State { waiting, unknown, gone };
    struct Lookup {
        State state;
        const GeneratedMessage* message = nullptr;  // set when waiting
    };
    Lookup find(const std::string& id);

    enum class Ack { acknowledged, again, unknown, gone };
    Ack acknowledge(const std::string& id);

    std::uint64_t delivered_count() const { return delivered_; }
    std::uint64_t acknowledged_count() const { return acknowledged_; }

private:
    struct Entry {
        GeneratedMessage message;
        Clock::time_point expires;
        std::uint64_t seq = 0;  // delivery order, 1 first
        bool acknowledged = false;
        bool expired = false;
    };
    void expire_due();
    void journal_line(const char* event, const Entry& e);

    std::chrono::milliseconds expire_after_;
    Journal* journal_;
    std::size_t capacity_;
    std::deque<std::string> order_;                  // delivery order of waiting messages
    std::unordered_map<std::string, Entry> entries_;  // every message ever delivered (bodies dropped once done)
    std::uint64_t delivered_ = 0;
    std::uint64_t acknowledged_ = 0;
};

}  // namespace gpwatch::sim
