#include "daemon/ledger/high_water.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace gpwatch {

namespace {

constexpr const char* kHeader =
    "# gpwatchd's high-water record for the ledger beside it. gpwatchd refuses to start on a ledger behind it.\n"
    "# Do not edit or copy it between machines; see docs/operations.md, \"A ledger that went back\".\n";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error("the ledger's high-water record " + path + ": " + what);
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || p != text.data() + text.size()) return false;
    if constexpr (std::is_signed_v<T>) return out >= 0;
    return true;
}

void write_all(int fd, const std::string& text, const std::string& path) {
    for (std::size_t done = 0; done < text.size();) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            fail(path, std::string("cannot write: ") + std::strerror(e));
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

LedgerPosition position_of(Ledger& ledger) {
    const auto alert_id = ledger.highest_alert_id();
    return {ledger.identity(), ledger.cursor(Feed::clinical), ledger.mesh_message_count(), alert_id, alert_id};
}

std::string shortfall(const LedgerPosition& ledger, const LedgerPosition& record) {
    std::string out;
    const auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
    if (ledger.feed_seq < record.feed_seq)
        add("its clinical feed cursor is at seq " + std::to_string(ledger.feed_seq) + ", " +
            std::to_string(record.feed_seq - ledger.feed_seq) + " behind seq " + std::to_string(record.feed_seq) +
            ", which gpwatchd had acknowledged");
    if (ledger.mesh_messages < record.mesh_messages)
        add("it holds " + std::to_string(ledger.mesh_messages) + " MESH messages, " +
            std::to_string(record.mesh_messages - ledger.mesh_messages) + " fewer than the " +
            std::to_string(record.mesh_messages) + " gpwatchd had recorded and acknowledged (MESH deletes what is acknowledged)");
    if (ledger.alert_id < record.alert_id)
        add("its highest alert id is " + std::to_string(ledger.alert_id) + ", " +
            std::to_string(record.alert_id - ledger.alert_id) + " below alert " + std::to_string(record.alert_id) +
            ", which gpwatchd had handed to the alert destinations");
    return out;
}

std::optional<LedgerPosition> HighWaterRecord::read() const {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) return std::nullopt;
    std::ifstream in(path_);
    if (!in) fail(path_, std::string("cannot be read: ") + std::strerror(errno));
    LedgerPosition p;
    bool seen[5] = {false, false, false, false, false};
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        const std::string key = line.substr(0, eq), value = eq == std::string::npos ? "" : line.substr(eq + 1);
        bool ok = eq != std::string::npos;
        if (key == "ledger_id") {
            p.ledger_id = value;
            ok = ok && !value.empty();
            seen[0] = true;
        } else if (key == "feed_seq") {
            ok = ok && parse_number(value, p.feed_seq);
            seen[1] = true;
        } else if (key == "mesh_messages") {
            ok = ok && parse_number(value, p.mesh_messages);
            seen[2] = true;
        } else if (key == "alert_id") {
            ok = ok && parse_number(value, p.alert_id);
            seen[3] = true;
        } else if (key == "alert_ids_reserved") {
            ok = ok && parse_number(value, p.alert_ids_reserved);
            seen[4] = true;
        } else {
            ok = false;
        }
        if (!ok) fail(path_, "line " + std::to_string(n) + " is not one gpwatchd writes: '" + line + "'");
    }
    for (bool s : seen)
        if (!s) fail(path_, "is incomplete (it needs ledger_id, feed_seq, mesh_messages, alert_id and alert_ids_reserved)");
    return p;
}

void HighWaterRecord::write(const LedgerPosition& given) {
    LedgerPosition p = given;
    p.alert_ids_reserved = std::max(p.alert_ids_reserved, p.alert_id);  // nothing handed out beyond it
    std::ostringstream text;
    text << kHeader << "ledger_id=" << p.ledger_id << "\nfeed_seq=" << p.feed_seq
         << "\nmesh_messages=" << p.mesh_messages << "\nalert_id=" << p.alert_id
         << "\nalert_ids_reserved=" << p.alert_ids_reserved << "\n";
    const std::string tmp = path_ + ".new";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) fail(tmp, std::string("cannot be created: ") + std::strerror(errno));
    write_all(fd, text.str(), tmp);
    if (::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        fail(tmp, std::string("cannot be synced to disk: ") + std::strerror(e));
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) fail(path_, std::string("cannot be replaced: ") + std::strerror(errno));
    // The rename is durable only once the directory is.
    const auto dir = std::filesystem::path(path_).parent_path();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    last_ = p;
}

void HighWaterRecord::advance_alert_id(std::int64_t id) {
    if (!last_) throw std::logic_error("HighWaterRecord::advance_alert_id before write()");
    if (id <= last_->alert_ids_reserved) return;
    LedgerPosition next = *last_;
    next.alert_id = id;
    next.alert_ids_reserved = id + kAlertIdsReserved;
    write(next);
}

void HighWaterRecord::advance(const LedgerPosition& p) {
    // Alert ids within the reservation need no write: they are covered already.
    if (last_ && last_->ledger_id == p.ledger_id && p.feed_seq <= last_->feed_seq &&
        p.mesh_messages <= last_->mesh_messages && p.alert_id <= last_->alert_ids_reserved)
        return;
    LedgerPosition next = p;
    if (last_ && last_->ledger_id == p.ledger_id) {
        next.feed_seq = std::max(next.feed_seq, last_->feed_seq);
        next.mesh_messages = std::max(next.mesh_messages, last_->mesh_messages);
        next.alert_id = std::max(next.alert_id, last_->alert_id);
        next.alert_ids_reserved = std::max(next.alert_ids_reserved, last_->alert_ids_reserved);
    }
    write(next);
}

}  // namespace gpwatch
