#pragma once
// MeshJournalFollower: the clinical simulator's view of the MESH simulator's journal
// (`gpwatch-sim clinical --update-records FILE`). It follows the file as it grows, from its first
// line, and hands every Update Record delivered into the practice's MESH inbox (a "delivered"
// line with an "update_record_id") to a callback, which schedules the practice's review of it.
//
// The file is polled from the event loop with a timer: it may not exist yet (the MESH simulator
// starts at the same time), lines may be read half-written (a partial last line waits for its
// newline), and a file that shrinks or is replaced is read again from its start. Every
// delivered line is handed on, redeliveries included: the callback decides what it has seen.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gpwatch::sim {

// The Update Record message id a MESH journal line names: set for an "event":"delivered" line of
// a DATA message carrying a non-empty "update_record_id"; nullopt for anything else (REPORTs,
// other ITK3 events, malformed messages, acknowledged / expired lines, lines that are not JSON).
std::optional<std::string> delivered_update_record_id(std::string_view journal_line);

class MeshJournalFollower {
public:
    using OnUpdateRecord = std::function<void(const std::string& message_id)>;

    MeshJournalFollower(boost::asio::io_context& ioc, std::string path, std::chrono::milliseconds interval,
                        OnUpdateRecord on_update_record);

    void start();  // polls at once, then every `interval`
    void stop();

    // Reads what was appended since the last call (at most kMaxReadPerPoll bytes) and hands on the
    // Update Records in it; returns how many were handed on. The timer calls this; tests may too.
    std::size_t poll();

    static constexpr std::size_t kMaxReadPerPoll = 1 << 20;

private:
    boost::asio::awaitable<void> run();

    boost::asio::io_context& ioc_;
    std::string path_;
    std::chrono::milliseconds interval_;
    OnUpdateRecord on_update_record_;
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
    bool seen_file_ = false;
    bool warned_ = false;  // an error opening or reading the file is logged once, not every poll
    std::uint64_t device_ = 0, inode_ = 0;  // of the file being read, to notice it was replaced
    std::uint64_t offset_ = 0;              // bytes consumed so far
    std::string partial_;                   // a last line still waiting for its newline
};

}  // namespace gpwatch::sim
