#pragma once
// RuntimeStatus: what gpwatchd is doing right now, as gpwatchctl status shows it. gpwatchd
// rewrites <state_dir>/gpwatchd.status (JSON) every few seconds from its event loop, and holds
// <state_dir>/gpwatchd.lock for as long as it runs; gpwatchctl reads both. So `status` can tell
// running from stopped (the lock), a running daemon from a stuck one (the file's age), and a feed
// that is connected from one that is not (the file's contents): the ledger alone cannot.
//
// Nothing here names a patient: states, times, counts and error words (which connectors keep free
// of message content).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpwatch::status {

struct FeedStatus {
    bool enabled = false;
    bool connected = false;
    std::uint64_t delivered_seq = 0;    // handed over by the feed client
    std::int64_t last_event_at = 0;     // unix seconds; 0: none since the start
    std::int64_t last_heartbeat_at = 0;
    std::string last_error;             // why the last connection ended
    std::int64_t last_error_at = 0;
    std::uint64_t connects = 0, disconnects = 0, events = 0, gaps = 0, malformed = 0;
};

struct MeshStatus {
    bool enabled = false;
    bool healthy = false;
    std::string mailbox;
    std::int64_t last_poll_at = 0;
    std::string last_error;
    std::int64_t last_error_at = 0;
    std::uint64_t polls = 0, downloads = 0, acks = 0, errors = 0;
    std::uint64_t in_flight = 0;  // handed over, not yet acknowledged to MESH
};

struct SinkStatus {
    std::string name, type;
    bool in_flight = false;
    std::int64_t down_until = 0;        // refusing: next attempt not before (unix seconds)
    std::string last_error;
    std::int64_t flood_hold_until = 0;  // a flood digest is being gathered until then
    std::int64_t delivered = 0, retried = 0, failed = 0, flood_digests = 0;
};

struct RuntimeStatus {
    int pid = 0;
    std::string version;
    std::int64_t started_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t every_s = 5;            // how often the file is rewritten
    std::string state;                   // starting | running | degraded | stopping
    std::vector<std::string> problems;   // why degraded, in words
    bool deadlines_loaded = false;       // every open write's deadline is on the review clock
    std::uint64_t review_clock = 0;      // open writes on it
    bool ledger_writable = true;
    std::string ledger_error;            // the last failed write, while it fails
    std::int64_t ledger_failed_since = 0;  // unix seconds the ledger began refusing writes; 0: it takes them
    FeedStatus feed;
    MeshStatus mesh;
    std::vector<SinkStatus> sinks;
};

std::string to_json(const RuntimeStatus& s);
// nullopt when the text is not a status document.
std::optional<RuntimeStatus> from_json(const std::string& text);

// Writes `s` over `path` in place, at a fixed size reserved when the file is made (so a full
// disk does not stop it). False when it could not: the daemon goes on; gpwatchctl then sees an
// old file and says so.
bool write_status_file(const std::string& path, const RuntimeStatus& s);
std::optional<RuntimeStatus> read_status_file(const std::string& path);

// The files in a state directory.
std::string status_path(const std::string& state_dir);
std::string lock_path(const std::string& state_dir);

// gpwatchd's hold on its state directory: an exclusive fcntl lock on gpwatchd.lock for as long as the
// object lives (so a second gpwatchd on the same directory is refused, and gpwatchctl can tell
// whether one runs). The lock goes with the process, however it ends.
class InstanceLock {
public:
    // Throws std::runtime_error when another process holds it (naming its pid when known) or the
    // file cannot be opened.
    explicit InstanceLock(const std::string& state_dir);
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

private:
    int fd_ = -1;
};

// True when a gpwatchd holds the lock of `state_dir` now (gpwatchctl's test; takes no lock).
bool daemon_running(const std::string& state_dir);
// The pid the holder wrote into the lock file (its own getpid(), as in its status file, whatever
// pid namespace gpwatchctl runs in); 0 while the lock is free or the pid is not written yet.
long lock_holder(const std::string& state_dir);

}  // namespace gpwatch::status
