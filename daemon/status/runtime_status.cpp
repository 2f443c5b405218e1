#include "daemon/status/runtime_status.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

namespace gpwatch::status {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string text(const json::object& o, const char* k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t num(const json::object& o, const char* k) {
    const auto* v = o.if_contains(k);
    if (!v) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
    return 0;
}

bool flag(const json::object& o, const char* k) {
    const auto* v = o.if_contains(k);
    return v && v->is_bool() && v->as_bool();
}

const json::object& sub(const json::object& o, const char* k) {
    static const json::object empty;
    const auto* v = o.if_contains(k);
    return v && v->is_object() ? v->as_object() : empty;
}

}  // namespace

std::string to_json(const RuntimeStatus& s) {
    json::array problems;
    for (const auto& p : s.problems) problems.emplace_back(p);
    json::array sinks;
    for (const auto& k : s.sinks)
        sinks.push_back(json::object{{"name", k.name},
                                     {"type", k.type},
                                     {"in_flight", k.in_flight},
                                     {"down_until", k.down_until},
                                     {"last_error", k.last_error},
                                     {"flood_hold_until", k.flood_hold_until},
                                     {"delivered", k.delivered},
                                     {"retried", k.retried},
                                     {"failed", k.failed},
                                     {"flood_digests", k.flood_digests}});
    const auto& f = s.feed;
    const auto& m = s.mesh;
    json::object o{
        {"pid", s.pid},
        {"version", s.version},
        {"started_at", s.started_at},
        {"updated_at", s.updated_at},
        {"every_s", s.every_s},
        {"state", s.state},
        {"problems", std::move(problems)},
        {"deadlines_loaded", s.deadlines_loaded},
        {"review_clock", s.review_clock},
        {"ledger_writable", s.ledger_writable},
        {"ledger_error", s.ledger_error},
        {"ledger_failed_since", s.ledger_failed_since},
        {"feed", json::object{{"enabled", f.enabled},
                              {"connected", f.connected},
                              {"delivered_seq", f.delivered_seq},
                              {"last_event_at", f.last_event_at},
                              {"last_heartbeat_at", f.last_heartbeat_at},
                              {"last_error", f.last_error},
                              {"last_error_at", f.last_error_at},
                              {"connects", f.connects},
                              {"disconnects", f.disconnects},
                              {"events", f.events},
                              {"gaps", f.gaps},
                              {"malformed", f.malformed}}},
        {"mesh", json::object{{"enabled", m.enabled},
                              {"healthy", m.healthy},
                              {"mailbox", m.mailbox},
                              {"last_poll_at", m.last_poll_at},
                              {"last_error", m.last_error},
                              {"last_error_at", m.last_error_at},
                              {"polls", m.polls},
                              {"downloads", m.downloads},
                              {"acks", m.acks},
                              {"errors", m.errors},
                              {"in_flight", m.in_flight}}},
        {"sinks", std::move(sinks)},
    };
    return json::serialize(o);
}

std::optional<RuntimeStatus> from_json(const std::string& text_in) {
    boost::system::error_code ec;
    const auto v = json::parse(text_in, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    if (!o.contains("state") || !o.contains("updated_at")) return std::nullopt;
    RuntimeStatus s;
    s.pid = static_cast<int>(num(o, "pid"));
    s.version = text(o, "version");
    s.started_at = num(o, "started_at");
    s.updated_at = num(o, "updated_at");
    s.every_s = num(o, "every_s");
    s.state = text(o, "state");
    if (const auto* p = o.if_contains("problems"); p && p->is_array())
        for (const auto& e : p->as_array())
            if (e.is_string()) s.problems.emplace_back(e.as_string());
    s.deadlines_loaded = flag(o, "deadlines_loaded");
    s.review_clock = static_cast<std::uint64_t>(num(o, "review_clock"));
    s.ledger_writable = flag(o, "ledger_writable");
    s.ledger_error = text(o, "ledger_error");
    s.ledger_failed_since = num(o, "ledger_failed_since");
    const auto& f = sub(o, "feed");
    s.feed = {flag(f, "enabled"),
              flag(f, "connected"),
              static_cast<std::uint64_t>(num(f, "delivered_seq")),
              num(f, "last_event_at"),
              num(f, "last_heartbeat_at"),
              text(f, "last_error"),
              num(f, "last_error_at"),
              static_cast<std::uint64_t>(num(f, "connects")),
              static_cast<std::uint64_t>(num(f, "disconnects")),
              static_cast<std::uint64_t>(num(f, "events")),
              static_cast<std::uint64_t>(num(f, "gaps")),
              static_cast<std::uint64_t>(num(f, "malformed"))};
    const auto& m = sub(o, "mesh");
    s.mesh = {flag(m, "enabled"),
              flag(m, "healthy"),
              text(m, "mailbox"),
              num(m, "last_poll_at"),
              text(m, "last_error"),
              num(m, "last_error_at"),
              static_cast<std::uint64_t>(num(m, "polls")),
              static_cast<std::uint64_t>(num(m, "downloads")),
              static_cast<std::uint64_t>(num(m, "acks")),
              static_cast<std::uint64_t>(num(m, "errors")),
              static_cast<std::uint64_t>(num(m, "in_flight"))};
    if (const auto* a = o.if_contains("sinks"); a && a->is_array())
        for (const auto& e : a->as_array()) {
            if (!e.is_object()) continue;
            const auto& k = e.as_object();
            s.sinks.push_back({text(k, "name"), text(k, "type"), flag(k, "in_flight"), num(k, "down_until"),
                               text(k, "last_error"), num(k, "flood_hold_until"), num(k, "delivered"),
                               num(k, "retried"), num(k, "failed"), num(k, "flood_digests")});
        }
    return s;
}

// The file is kept at a fixed size and overwritten in place (padded with spaces, which JSON allows):
// a full disk has no room for a new file, and its news matters most then.
constexpr std::size_t kStatusFileBytes = 64 * 1024;

bool write_status_file(const std::string& path, const RuntimeStatus& s) {
    std::string text = to_json(s) + "\n";
    if (text.size() < kStatusFileBytes) text.append(kStatusFileBytes - text.size() - 1, ' ').push_back('\n');
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return false;
    bool ok = true;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) < text.size())
        ok = ::posix_fallocate(fd, 0, static_cast<off_t>(text.size())) == 0;
    if (ok) ok = ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

std::optional<RuntimeStatus> read_status_file(const std::string& path) {
    // The file is overwritten in place: a read that meets a write half done tries again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::ifstream in(path);
        if (!in) return std::nullopt;
        std::ostringstream ss;
        ss << in.rdbuf();
        if (auto s = from_json(ss.str())) return s;
        ::usleep(20000);
    }
    return std::nullopt;
}

std::string status_path(const std::string& state_dir) { return (fs::path(state_dir) / "gpwatchd.status").string(); }
std::string lock_path(const std::string& state_dir) { return (fs::path(state_dir) / "gpwatchd.lock").string(); }

// A POSIX record lock (fcntl), not flock: gpwatchctl can ask who holds it (F_GETLK) without taking
// it even for an instant, so asking never makes a gpwatchd that is starting refuse to start.
InstanceLock::InstanceLock(const std::string& state_dir) {
    const auto path = lock_path(state_dir);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &fl) != 0) {
        struct flock who {};
        who.l_type = F_WRLCK;
        who.l_whence = SEEK_SET;
        const bool known = ::fcntl(fd_, F_GETLK, &who) == 0 && who.l_type != F_UNLCK;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("another gpwatchd" +
                                 (known ? " (pid " + std::to_string(who.l_pid) + ")" : std::string()) +
                                 " is running on the state directory " + state_dir + " (it holds " + path + ")");
    }
    // The holder's pid, for people reading the file.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // Only informative; the lock is what counts.
    }
}

InstanceLock::~InstanceLock() {
    if (fd_ >= 0) ::close(fd_);
}

bool daemon_running(const std::string& state_dir) {
    const auto path = lock_path(state_dir);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    const bool held = ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    ::close(fd);
    return held;
}

long lock_holder(const std::string& state_dir) {
    if (!daemon_running(state_dir)) return 0;
    std::ifstream in(lock_path(state_dir));
    long pid = 0;
    return (in >> pid) ? pid : 0;
}

}  // namespace gpwatch::status
