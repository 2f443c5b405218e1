// gpwatch-bench-startup: how long gpwatchd takes to say READY=1 (systemd's notify protocol) when
// it starts on a large ledger, and how long until every open write's review deadline is back on
// the review clock.
//
// It builds a ledger of N writes through the ledger's own API (a share of them still unreviewed
// and already overdue, as after years of running), starts the real gpwatchd on it with
// NOTIFY_SOCKET pointing at a socket of its own, and prints:
//   ready_s      spawn -> READY=1
//   scheduled_s  spawn -> STATUS "deadlines scheduled" (every open write back on the clock)
//   stop_s       SIGTERM -> exit
// Not timed: building the ledger. The clinical feed and MESH are off: this measures the start
// itself, not a peer.
//
//   gpwatch-bench-startup [--writes N] [--open-share F] [--dir PARENT] [--gpwatchd PATH] [--keep]

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/test_access.hpp"

namespace {

using namespace gpwatch;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
    std::uint64_t writes = 1'000'000;
    double open_share = 0.05;  // unreviewed, and already past their deadline
    std::string parent_dir;
    std::string gpwatchd;
    bool keep = false;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "gpwatch-bench-startup: %s\n"
                 "usage: gpwatch-bench-startup [--writes N] [--open-share F] [--dir PARENT] [--gpwatchd PATH] [--keep]\n"
                 "  --writes N      writes in the ledger (default 1000000)\n"
                 "  --open-share F  share of them still unreviewed and overdue (default 0.05)\n"
                 "  --dir PARENT    where the state directory is made (default: the temp dir)\n"
                 "  --gpwatchd PATH the daemon to start (default: gpwatchd beside this program)\n"
                 "  --keep          keep the state directory afterwards\n",
                 why);
    std::exit(2);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        const auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("an option needs a value");
            return argv[++i];
        };
        if (a == "--writes") {
            std::string_view v = value();
            if (std::from_chars(v.data(), v.data() + v.size(), o.writes).ec != std::errc{}) usage("--writes wants a number");
        } else if (a == "--open-share") {
            o.open_share = std::atof(value());
            if (o.open_share < 0 || o.open_share > 1) usage("--open-share is between 0 and 1");
        } else if (a == "--dir") {
            o.parent_dir = value();
        } else if (a == "--gpwatchd") {
            o.gpwatchd = value();
        } else if (a == "--keep") {
            o.keep = true;
        } else {
            usage("unknown option");
        }
    }
    if (o.gpwatchd.empty()) o.gpwatchd = (fs::canonical("/proc/self/exe").parent_path() / "gpwatchd").string();
    return o;
}

// A ledger of `n` writes by outside organisations over the last years; `open_share` of them
// unreviewed with their deadline long past and their overdue verdict recorded (an alert each).
void build_ledger(const std::string& path, const Options& o) {
    Ledger ledger(path, Ledger::Access::read_write);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const std::int64_t span = 8LL * 365 * 24 * 3600;  // eight years
    const std::uint64_t open_every = o.open_share > 0 ? static_cast<std::uint64_t>(1.0 / o.open_share) : 0;
    const char* orgs[] = {"RT5", "RY5", "NQT11", "NHC04", "RW1"};
    std::uint64_t i = 0;
    while (i < o.writes) {
        ledger.begin();
        for (std::uint64_t k = 0; k < 50'000 && i < o.writes; ++k, ++i) {
            RecordEvent ev;
            ev.seq = i + 1;
            ev.kind = EventKind::entry_created;
            ev.practice = "C84001";
            ev.entry_id = "e-" + std::to_string(i + 1);
            ev.author = {orgs[i % 5], "Trust " + std::to_string(i % 5), "community-trust", "R8000", "u-1"};
            ev.nhs_number = "9434765919";
            ev.nhs_number_valid = true;
            ev.route = "shared-record";
            ev.resource_type = "Observation";
            ev.codes = {{"http://snomed.info/sct", "225368008", "Seen by community mental health team", "Observation"}};
            const std::int64_t at = now - span + static_cast<std::int64_t>(i * span / o.writes);
            ev.time = SysSeconds{std::chrono::seconds{at}};
            ledger.record_feed_event(Feed::clinical, ev.seq, ev.kind, ev.entry_id);
            const auto w = ledger.upsert_write(ev, 21 * 3600, at + 2 * 24 * 3600, at).write_id;
            if (open_every && i % open_every == 0) {
                Verdict v{Reason::unreviewed_overdue, Severity::high, "still not reviewed"};
                ledger.add_verdict(w, v, at + 3 * 24 * 3600);
                ledger.add_alert(w, v, "[HIGH] Not reviewed in time", "body", at + 3 * 24 * 3600);
            } else {
                ledger.close_review(Feed::clinical, "entry", ev.entry_id, "filed", "u-0042", at + 3600);
            }
        }
        ledger.set_cursor(Feed::clinical, i);
        ledger.commit();
    }
    // Everything old is delivered: a ledger after years of running, not a backlog.
    LedgerTestAccess::connection(ledger).exec("UPDATE alerts SET state = 'delivered', routed_at = created_at, delivered_at = created_at");
    LedgerTestAccess::connection(ledger).exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    const fs::path parent = o.parent_dir.empty() ? fs::temp_directory_path() : fs::path(o.parent_dir);
    const fs::path dir = parent / ("gpwatch-bench-startup-" + std::to_string(::getpid()));
    fs::create_directories(dir / "state");
    {
        std::ofstream settings(dir / "gpwatchd.yaml");
        settings << "practice:\n  ods: C84001\n  name: Bench Practice\n"
                 << "state_dir: " << (dir / "state").string() << "\n"
                 << "clinical_feed:\n  enabled: false\n"
                 << "organisations:\n  allowed:\n"
                 << "    - {ods: RT5, name: Trust 0, review_within: 4h}\n"
                 << "    - {ods: RY5, name: Trust 1, review_within: 21h}\n"
                 << "    - {ods: NQT11, name: Trust 2, review_within: 10h}\n"
                 << "    - {ods: NHC04, name: Trust 3, review_within: 21h}\n"
                 << "  prohibited:\n    - {ods: RW1, name: Trust 4, why: withdrawn}\n"
                 << "escalation:\n  enabled: true\n  after: 4h\n";
    }
    const auto t_build = Clock::now();
    std::printf("building a ledger of %llu writes (%.0f%% open and overdue)...\n",
                static_cast<unsigned long long>(o.writes), o.open_share * 100);
    std::fflush(stdout);
    build_ledger((dir / "state" / "ledger.sqlite").string(), o);
    std::printf("built in %.1f s (%.0f MB)\n", seconds_since(t_build),
                static_cast<double>(fs::file_size(dir / "state" / "ledger.sqlite")) / 1e6);

    // The notify socket systemd would give it.
    const std::string sock_path = (dir / "notify.sock").string();
    const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
    if (sock < 0 || ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("notify socket");
        return 1;
    }
    timeval tv{1, 0};
    ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    std::fflush(stdout);  // else the child's copy of the buffer is printed twice
    const auto t0 = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("NOTIFY_SOCKET", sock_path.c_str(), 1);
        const std::string log = (dir / "gpwatchd.log").string();
        std::freopen(log.c_str(), "w", stderr);
        std::freopen(log.c_str(), "a", stdout);
        const std::string config = (dir / "gpwatchd.yaml").string();
        ::execl(o.gpwatchd.c_str(), "gpwatchd", "--config", config.c_str(), static_cast<char*>(nullptr));
        std::perror("exec gpwatchd");
        _exit(127);
    }
    double ready = -1, scheduled = -1;
    char buf[4096];
    while (seconds_since(t0) < 300 && (ready < 0 || scheduled < 0)) {
        const auto n = ::recv(sock, buf, sizeof buf - 1, 0);
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            std::fprintf(stderr, "gpwatchd exited early (see %s)\n", (dir / "gpwatchd.log").c_str());
            return 1;
        }
        if (n <= 0) continue;
        buf[n] = '\0';
        const std::string_view msg(buf, static_cast<std::size_t>(n));
        if (ready < 0 && msg.find("READY=1") != std::string_view::npos) ready = seconds_since(t0);
        if (scheduled < 0 && msg.find("deadlines scheduled") != std::string_view::npos) scheduled = seconds_since(t0);
    }
    const auto t_stop = Clock::now();
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const double stop = seconds_since(t_stop);
    ::close(sock);

    std::printf("gpwatchd on a ledger of %llu writes (%llu open):\n", static_cast<unsigned long long>(o.writes),
                static_cast<unsigned long long>(o.open_share > 0 ? o.writes / static_cast<std::uint64_t>(1.0 / o.open_share) : 0));
    std::printf("  ready_s      %.3f   (spawn -> READY=1)\n", ready);
    std::printf("  scheduled_s  %.3f   (spawn -> every open write's deadline on the review clock)\n", scheduled);
    std::printf("  stop_s       %.3f   (SIGTERM -> exit %d)\n", stop, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (!o.keep) fs::remove_all(dir);
    else std::printf("kept %s\n", dir.c_str());
    return ready >= 0 && scheduled >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
