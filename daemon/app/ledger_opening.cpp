#include "daemon/app/ledger_opening.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "daemon/ledger/sqlite.hpp"
#include "daemon/status/runtime_status.hpp"

namespace gpwatch {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRestore =
    "Restore the ledger from a backup (docs/operations.md, \"Backups\"): stop gpwatchd; remove any "
    "ledger.sqlite-wal and ledger.sqlite-shm beside that path (left there, SQLite would replay them onto the "
    "backup); copy the backup to that path, owned by the user gpwatchd runs as; start gpwatchd. To start afresh "
    "deliberately instead (the feed's retained events are ingested again, and what was alerted before may be "
    "alerted again), run gpwatchd once with --new-ledger: what is there now is kept beside it, renamed.";

constexpr const char* kRewound =
    "This happens when the ledger's write-ahead log (ledger.sqlite-wal) was deleted after a crash, or an older copy "
    "of the ledger was restored over it. If you still have the ledger.sqlite-wal that belongs to this ledger, stop "
    "gpwatchd and put it back beside ledger.sqlite, and start again. Otherwise keep this ledger, or put the newest "
    "backup in its place (docs/operations.md, \"Backups\"; a backup is always behind), and run gpwatchd once with "
    "--accept-rewound-ledger: MESH messages acknowledged since are gone from MESH for good, feed events since are "
    "read again if the feed still holds them (and may be alerted again), alert ids continue above the highest handed "
    "out, and one internal alert, ledger_rewound, says what may be lost.";

// Earlier --new-ledger starts leave the old files beside the ledger; a refusal names them, since
// one may be the ledger the admin is looking for.
std::string set_aside_files(const fs::path& ledger) {
    std::error_code ec;
    std::string found;
    const std::string prefix = ledger.filename().string() + ".set-aside-";
    for (fs::directory_iterator it(ledger.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (name.rfind(prefix, 0) == 0 && name.find("-wal") == std::string::npos && name.find("-shm") == std::string::npos)
            found += (found.empty() ? "" : ", ") + it->path().string();
    }
    return found.empty() ? "" : " Ledgers set aside by earlier --new-ledger starts: " + found + ".";
}

// SQLite failures that can pass by themselves (a full disk, an I/O error, another process
// holding the file, a directory not yet mounted): worth the service manager starting again.
bool may_pass(const sqlite::Error& e) {
    const int primary = e.code() & 0xff;
    return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
           primary == SQLITE_CANTOPEN || primary == SQLITE_NOMEM;
}

// Whether a Maildir holds a message gpwatchd delivered (its file names carry the alert id): a
// sink may point at a mailbox that already held other mail before gpwatchd's first start.
bool has_messages(const std::string& maildir) {
    std::error_code ec;
    for (const char* sub : {"new", "cur"}) {
        const fs::path d = fs::path(maildir) / sub;
        if (!fs::is_directory(d, ec)) continue;
        for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec) && it->path().filename().string().find(".gpwatch-alert-") != std::string::npos)
                return true;
    }
    return false;
}

// What says this state directory has run gpwatchd before, in words; "" if nothing does.
std::string history_of(const std::string& state_dir, const std::vector<std::string>& inboxes) {
    std::error_code ec;
    if (fs::exists(fs::path(state_dir) / "pseudonym.key", ec)) return "its pseudonym key (pseudonym.key)";
    if (fs::exists(high_water_path(state_dir), ec)) return "the ledger's high-water record (ledger.highwater)";
    for (const auto& m : inboxes)
        if (has_messages(m)) return "alerts in " + m;
    if (fs::exists(status::status_path(state_dir), ec)) return "gpwatchd.status";
    return "";
}

std::string timestamp() {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// Moves the ledger and its WAL files aside; returns the new name of the ledger ("" if none).
std::string set_aside(const fs::path& ledger) {
    std::error_code ec;
    // Never over an earlier one (two --new-ledger starts within a second): rename would replace it.
    std::string suffix = ".set-aside-" + timestamp();
    const auto taken = [&](const std::string& s) {
        for (const char* ext : {"", "-wal", "-shm"})
            if (fs::exists(ledger.string() + s + ext, ec)) return true;
        return false;
    };
    for (int n = 2; taken(suffix); ++n) suffix = ".set-aside-" + timestamp() + "-" + std::to_string(n);
    std::string moved;
    for (const char* ext : {"", "-wal", "-shm"}) {
        const fs::path from = ledger.string() + ext;
        if (!fs::exists(from, ec)) continue;
        const fs::path to = ledger.string() + suffix + ext;
        fs::rename(from, to, ec);
        if (ec) throw StartRefused("--new-ledger: cannot move " + from.string() + " aside: " + ec.message());
        if (*ext == '\0') moved = to.string();
    }
    return moved;
}

}  // namespace

std::int64_t highest_alert_id_in(const std::vector<std::string>& maildirs) {
    std::int64_t top = 0;
    std::error_code ec;
    const std::string mark = ".gpwatch-alert-";
    for (const auto& m : maildirs)
        for (const char* sub : {"new", "cur", "tmp"}) {
            const fs::path d = fs::path(m) / sub;
            if (!fs::is_directory(d, ec)) continue;
            for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
                const auto name = it->path().filename().string();
                const auto at = name.find(mark);
                if (at == std::string::npos) continue;
                std::int64_t id = 0;
                for (std::size_t i = at + mark.size(); i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i)
                    id = id * 10 + (name[i] - '0');
                top = std::max(top, id);
            }
        }
    return top;
}

std::string high_water_path(const std::string& state_dir) { return (fs::path(state_dir) / "ledger.highwater").string(); }

LedgerOpening open_ledger(const std::string& state_dir, const std::vector<std::string>& inboxes,
                          LedgerOpeningOptions options) {
    const bool new_ledger = options.new_ledger;
    const fs::path path = fs::path(state_dir) / "ledger.sqlite";
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    const bool empty = exists && fs::file_size(path, ec) == 0;
    LedgerOpening out;
    if (new_ledger) {
        out.set_aside = set_aside(path);
        if (!out.set_aside.empty()) spdlog::warn("--new-ledger: the ledger that was there is now {}", out.set_aside);
        out.fresh = true;
    } else if (!exists || empty) {
        if (auto history = history_of(state_dir, inboxes); !history.empty() || fs::exists(path.string() + "-wal", ec)) {
            if (history.empty()) history = "a write-ahead log, " + path.string() + "-wal, without its database";
            throw StartRefused("the ledger " + path.string() + (exists ? " is empty (0 bytes)" : " does not exist") +
                               ", yet the state directory " + state_dir + " has run gpwatchd before (it holds " +
                               history + "). " + kRestore + set_aside_files(path));
        }
        out.fresh = true;
    }
    try {
        out.ledger = std::make_unique<Ledger>(path.string(), Ledger::Access::read_write);
    } catch (const sqlite::Error& e) {
        if (e.damaged())
            throw StartRefused("the ledger " + path.string() + " is damaged or is not a gpwatch ledger (" + e.what() +
                               "). " + kRestore + set_aside_files(path));
        // What may pass by itself (no space for the WAL, an I/O error) is exit 1: the service
        // manager tries again, and gpwatchd starts once the disk has room. Anything else (a schema
        // newer than this gpwatchd, permissions) needs the admin: exit 2, no restart loop.
        if (may_pass(e)) throw std::runtime_error("cannot open the ledger " + path.string() + ": " + e.what());
        throw StartRefused("cannot open the ledger " + path.string() + ": " + e.what());
    }
    // A file cut short, or pages overwritten, may still open: SQLite meets the damage only when it
    // reads there, days later. Checked once at start, while nothing depends on the ledger yet.
    std::string problems;
    try {
        problems = out.ledger->quick_check();
    } catch (const sqlite::Error& e) {
        // Could not read it through (an I/O error, a lock): that may pass; damage does not.
        if (may_pass(e)) throw std::runtime_error("cannot check the ledger " + path.string() + ": " + e.what());
        problems = e.what();
    }
    if (!problems.empty())
        throw StartRefused("the ledger " + path.string() + " is damaged (SQLite's quick_check: " + problems + "). " +
                           kRestore + set_aside_files(path));

    out.high_water = HighWaterRecord(high_water_path(state_dir));
    std::optional<LedgerPosition> record;
    std::string unreadable;  // the record is there but cannot be read: what is wrong with it
    try {
        record = out.high_water.read();
    } catch (const std::runtime_error& e) {
        unreadable = e.what();
    }
    LedgerPosition position;
    try {
        position = position_of(*out.ledger);
    } catch (const sqlite::Error& e) {
        throw StartRefused("cannot read where the ledger " + path.string() + " is: " + e.what() + ". " + kRestore);
    }
    if (out.fresh) {
        out.highest_alert_id_seen = std::max({highest_alert_id_in(inboxes), Ledger::highest_alert_id_of_file(out.set_aside),
                                              record ? std::max(record->alert_id, record->alert_ids_reserved) : 0});
        return out;
    }
    if (!unreadable.empty()) {
        if (!options.accept_rewound)
            throw StartRefused(unreadable + ". gpwatchd cannot tell whether the ledger " + path.string() +
                               " lacks anything it had acknowledged or sent. If the record was damaged (a full disk, "
                               "an edit), run gpwatchd once with --accept-rewound-ledger: it carries on with the ledger "
                               "as it is, under a new identity so that no alert it sends is taken for one sent before, "
                               "and raises one internal alert, ledger_rewound.");
        out.ledger->renew_identity();
        out.rewound = "its high-water record could not be read (" + unreadable + "), so what it may lack is not known";
        out.highest_alert_id_seen = std::max(highest_alert_id_in(inboxes), position.alert_id);
        spdlog::warn("--accept-rewound-ledger: carrying on with the ledger {} under a new identity, {}", path.string(),
                     out.ledger->identity());
        return out;
    }
    if (!record) {
        // No record beside a ledger with a history: the first start of a gpwatchd that keeps
        // one, or a ledger restored (from a backup) into a state directory that lost its record.
        // A restored copy may hand out alert ids its peers already hold: a new identity makes its
        // alerts' names (Message-ID, dedupe_key) new whatever their numbers.
        if (position.feed_seq > 0 || position.mesh_messages > 0 || position.alert_id > 0) {
            out.ledger->renew_identity();
            spdlog::warn("the ledger {} has no high-water record beside it (first start of this version, or a "
                         "restored ledger): it now has a new identity, {}, so no alert it sends can be taken for one "
                         "sent before",
                         path.string(), out.ledger->identity());
        }
        return out;
    }
    std::string lacks;
    if (record->ledger_id != position.ledger_id)
        lacks = "it is not the ledger gpwatchd last ran on: its identity is " + position.ledger_id + ", and " +
                out.high_water.path() + " was written for ledger " + record->ledger_id +
                " (was another ledger, or a copy of one, put in its place?)";
    else
        lacks = shortfall(position, *record);
    if (lacks.empty()) return out;
    if (!options.accept_rewound)
        throw StartRefused("the ledger " + path.string() + " is behind what gpwatchd last relied on (" +
                           out.high_water.path() + "): " + lacks + ". " + kRewound + set_aside_files(path));
    spdlog::warn("--accept-rewound-ledger: carrying on with the ledger {} although {}", path.string(), lacks);
    // Another ledger's ids say nothing of what this one's peers hold: it gets a new identity.
    if (record->ledger_id != position.ledger_id) out.ledger->renew_identity();
    out.rewound = lacks;
    out.highest_alert_id_seen =
        std::max({record->alert_id, record->alert_ids_reserved, highest_alert_id_in(inboxes), position.alert_id});
    return out;
}

}  // namespace gpwatch
