// gpwatch-bench-pipeline: pushes simulated clinical-feed frames through the daemon's own path,
// connector parsing (FeedMessageParser) → policy → ledger group commit (RecordIngest::apply, one
// SQLite transaction per batch, WAL + synchronous=FULL), on one thread, and prints throughput and
// the latency of every event from its arrival to the durable commit of its batch.
//
// The frames come from the clinical simulator's own traffic generator and event log, so they are
// byte for byte what gpwatch-sim sends; they are generated before the clock starts. Not timed:
// generation, sorting the latencies, measuring the ledger. Timed: everything between an event's
// arrival stamp and the return of the commit that made it durable.
//
//   gpwatch-bench-pipeline [--events N] [--batch N] [--dir PARENT] [--seed N] [--keep]

#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "sim/clinical/clinical_traffic.hpp"
#include "sim/clinical/event_log.hpp"
#include "connectors/clinical_feed/feed_message_parser.hpp"
#include "daemon/ingest/active_settings.hpp"
#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"

namespace {

using namespace gpwatch;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
    std::uint64_t events = 1'000'000;
    std::size_t batch = LedgerSettings{}.batch_max_events;
    std::string parent_dir;  // empty: the system temp directory
    std::uint64_t seed = 1;
    bool keep = false;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "gpwatch-bench-pipeline: %s\n"
                 "usage: gpwatch-bench-pipeline [--events N] [--batch N] [--dir PARENT] [--seed N] [--keep]\n"
                 "  --events N    feed events to push (default 1000000)\n"
                 "  --batch N     events per group commit, as ledger.batch_max_events (default 512)\n"
                 "  --dir PARENT  where the fresh ledger directory is made (default: the temp dir);\n"
                 "                use a real disk: on tmpfs fsync costs nothing\n"
                 "  --seed N      simulator seed (default 1)\n"
                 "  --keep        keep the ledger directory afterwards\n",
                 why);
    std::exit(2);
}

std::uint64_t number(std::string_view flag, const char* text) {
    std::uint64_t v = 0;
    std::string_view s(text);
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) usage((std::string(flag) + " wants a number").c_str());
    return v;
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage((std::string(a) + " needs a value").c_str());
            return argv[++i];
        };
        if (a == "--events") o.events = number(a, value());
        else if (a == "--batch") o.batch = number(a, value());
        else if (a == "--dir") o.parent_dir = value();
        else if (a == "--seed") o.seed = number(a, value());
        else if (a == "--keep") o.keep = true;
        else if (a == "--help" || a == "-h") usage("pushes simulated feed events through parse, policy and ledger");
        else usage(("unknown argument " + std::string(a)).c_str());
    }
    if (o.events == 0) usage("--events must be at least 1");
    if (o.batch == 0) usage("--batch must be at least 1");
    return o;
}

// The example practice of config/gpwatchd.yaml with a practice's real review times and hours
// (not the demo's seconds and round-the-clock hours), so deadlines cross evenings and weekends.
Settings bench_settings(std::size_t batch) {
    Settings s;
    s.practice_ods = "C84001";
    s.practice_name = "Example Medical Practice";
    s.default_review_within = 21h;
    s.allowed = {
        {"RT5", "Leicestershire Partnership NHS Trust", 4h},
        {"RY5", "Lincolnshire Community Health Services NHS Trust", 21h},
        {"NQT11", "DHU Health Care (out of hours)", 10h + 30min},
        {"NHC04", "LOROS Hospice", 21h},
    };
    s.prohibited = {{"RW1", "Midlands Community Care NHS Trust",
                     "the practice withdrew this trust's write access on 2026-03-01"}};
    // NTV21 (NHS 111) writes too and is deliberately on neither list.
    s.clinical_feed.enabled = false;
    s.ledger.batch_max_events = batch;
    return s;
}

// Frames as the simulator publishes them, packed end to end in one buffer.
struct Frames {
    std::string bytes;
    std::vector<std::size_t> ends;
    std::string_view at(std::size_t i) const {
        std::size_t begin = i == 0 ? 0 : ends[i - 1];
        return std::string_view(bytes).substr(begin, ends[i] - begin);
    }
};

// Simulated wall time: Monday 2026-05-11 08:00 London, at the simulator's default rate (2/s).
constexpr double kRate = 2;
const SysSeconds kStart = date::sys_days{date::May / 11 / 2026} + 7h;

SysSeconds sim_time(std::uint64_t index) {
    return kStart + std::chrono::seconds{static_cast<std::int64_t>(static_cast<double>(index) / kRate)};
}

Frames generate(std::uint64_t n, std::uint64_t seed) {
    sim::TrafficSettings ts;
    ts.practice = "C84001";
    ts.rate = kRate;
    ts.seed = seed;
    sim::ClinicalTraffic traffic(ts);
    sim::ClinicalEventLog log(ts.practice, 1, nullptr);
    Frames f;
    f.ends.reserve(n);
    f.bytes.reserve(n * 512);
    for (std::uint64_t i = 0; i < n; ++i) {
        auto now = sim_time(i);
        auto seq = log.publish(traffic.next(now), now);
        f.bytes += *log.find(seq);
        f.ends.push_back(f.bytes.size());
    }
    return f;
}

// The filesystem holding `dir`, from /proc/mounts (longest mount point that is a prefix).
std::string filesystem_of(const fs::path& dir) {
    std::string canonical = fs::weakly_canonical(dir).string();
    std::ifstream mounts("/proc/mounts");
    std::string device, mount_point, type, rest, best_type, best_device, best_mount;
    while (mounts >> device >> mount_point >> type && std::getline(mounts, rest)) {
        bool prefix = canonical.compare(0, mount_point.size(), mount_point) == 0 &&
                      (mount_point == "/" || canonical.size() == mount_point.size() ||
                       canonical[mount_point.size()] == '/');
        if (prefix && mount_point.size() >= best_mount.size()) {
            best_mount = mount_point;
            best_type = type;
            best_device = device;
        }
    }
    if (best_type.empty()) return "unknown";
    return best_type + " (" + best_device + " on " + best_mount + ")";
}

std::uintmax_t bytes_under(const fs::path& dir, const std::string& prefix) {
    std::uintmax_t total = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename().string().rfind(prefix, 0) == 0) total += e.file_size();
    return total;
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

double cpu_seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

// This thread's time waiting on a run queue for a core, in seconds (/proc/thread-self/schedstat).
double run_queue_wait() {
    std::ifstream in("/proc/thread-self/schedstat");
    double on_cpu = 0, waiting = 0;
    in >> on_cpu >> waiting;
    return waiting / 1e9;
}

// The 1-minute load average: on a shared machine, other work steals the core we time.
std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    in >> one;
    return one.empty() ? "?" : one;
}

int run(const Options& opt) {
    fs::path parent = opt.parent_dir.empty() ? fs::temp_directory_path() : fs::path(opt.parent_dir);
    fs::create_directories(parent);
    std::string templ = (parent / "gpwatch-bench-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("cannot make a directory in " + parent.string());
    const fs::path dir = templ;

    // Warn level, as a quiet production daemon: the ALERT lines (warn) are still formatted and
    // written, to a file here rather than the terminal.
    const fs::path log_path = dir / "bench.log";
    spdlog::set_default_logger(spdlog::basic_logger_st("bench", log_path.string(), true));
    spdlog::set_level(spdlog::level::warn);

    std::printf("gpwatch-bench-pipeline: %llu events, batch %zu, seed %llu\n",
                static_cast<unsigned long long>(opt.events), opt.batch,
                static_cast<unsigned long long>(opt.seed));
    std::printf("  ledger dir   %s\n  filesystem   %s\n", dir.c_str(), filesystem_of(dir).c_str());
    {
        struct statfs sf{};
        if (::statfs(dir.c_str(), &sf) == 0 && sf.f_type == 0x01021994)
            std::printf("  WARNING      tmpfs: fsync is free here, so the figures flatter the disk\n");
    }
    std::printf("  logging      spdlog level warn (ALERT lines only), to %s\n", log_path.c_str());
    std::fflush(stdout);

    auto g0 = Clock::now();
    const Frames frames = generate(opt.events, opt.seed);
    auto g1 = Clock::now();
    std::printf("  generated    %llu frames, %.1f MB of JSON (avg %.0f B) in %.1f s (not timed)\n",
                static_cast<unsigned long long>(opt.events), static_cast<double>(frames.bytes.size()) / 1e6,
                static_cast<double>(frames.bytes.size()) / static_cast<double>(opt.events),
                std::chrono::duration<double>(g1 - g0).count());
    std::fflush(stdout);

    const ActiveSettings active(bench_settings(opt.batch));
    auto ledger = std::make_unique<Ledger>((dir / "ledger.sqlite").string(), Ledger::Access::read_write);
    const Pseudonymiser pseudonymiser("0123456789abcdef0123456789abcdef");
    RecordIngest ingest(*ledger, pseudonymiser);
    clinical_feed::FeedMessageParser parser;

    std::vector<std::int64_t> latency_ns(opt.events);
    std::vector<Clock::time_point> arrivals;
    arrivals.reserve(opt.batch);
    std::vector<RecordEvent> pending;
    pending.reserve(opt.batch);

    std::uint64_t batches = 0, writes = 0, alerts = 0, replays = 0, malformed = 0;
    std::size_t done = 0;
    Clock::duration parse_time{}, apply_time{};
    auto flush = [&](std::int64_t now) {
        auto started = Clock::now();
        auto r = ingest.apply(active, pending, now);
        auto committed = Clock::now();
        apply_time += committed - started;
        for (auto a : arrivals) latency_ns[done++] = std::chrono::duration_cast<std::chrono::nanoseconds>(committed - a).count();
        ++batches;
        writes += static_cast<std::uint64_t>(r.writes_recorded);
        alerts += static_cast<std::uint64_t>(r.alerts_created);
        replays += static_cast<std::uint64_t>(r.replays_skipped);
        pending.clear();
        arrivals.clear();
    };

    const std::string load_before = load_average();
    rusage ru0{}, ru1{};
    ::getrusage(RUSAGE_SELF, &ru0);
    const double rq0 = run_queue_wait();
    // ---- timed: one thread, as the daemon's event loop
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < opt.events; ++i) {
        const auto frame = frames.at(i);
        const auto arrival = Clock::now();
        arrivals.push_back(arrival);
        auto message = parser.parse(frame);
        parse_time += Clock::now() - arrival;
        if (auto* ev = std::get_if<RecordEvent>(&message)) {
            pending.push_back(std::move(*ev));
        } else if (auto* bad = std::get_if<clinical_feed::Malformed>(&message)) {
            // As the feed client does: never dropped, quarantined downstream.
            ++malformed;
            RecordEvent q;
            q.kind = EventKind::unparseable;
            q.seq = bad->seq ? bad->seq : i + 1;
            q.time = sim_time(i);
            q.entry_id = "unparseable-seq-" + std::to_string(q.seq);
            q.raw = std::string(frame);
            q.parse_error = bad->why;
            pending.push_back(std::move(q));
        } else {
            // heartbeats and the like: nothing to commit (the simulator sends none here)
            arrivals.pop_back();
            continue;
        }
        if (pending.size() >= opt.batch) flush(sim_time(i).time_since_epoch().count());
    }
    if (!pending.empty()) flush(sim_time(opt.events - 1).time_since_epoch().count());
    auto t1 = Clock::now();
    // ---- end of timed region
    ::getrusage(RUSAGE_SELF, &ru1);
    const double run_queue = run_queue_wait() - rq0;
    const double user = cpu_seconds(ru1.ru_utime) - cpu_seconds(ru0.ru_utime);
    const double sys = cpu_seconds(ru1.ru_stime) - cpu_seconds(ru0.ru_stime);

    spdlog::default_logger()->flush();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    latency_ns.resize(done);
    std::sort(latency_ns.begin(), latency_ns.end());
    auto pct = [&](double p) {
        if (latency_ns.empty()) return 0.0;
        auto k = static_cast<std::size_t>(p * static_cast<double>(latency_ns.size() - 1) + 0.5);
        return ms(latency_ns[std::min(k, latency_ns.size() - 1)]);
    };
    const auto ledger_bytes = bytes_under(dir, "ledger.sqlite");
    const auto log_bytes = fs::file_size(log_path);

    std::printf("results (timed: arrival stamp, parse, policy, ledger, COMMIT with fsync)\n");
    std::printf("  events       %zu committed (%llu malformed → quarantined, %llu replays skipped)\n", done,
                static_cast<unsigned long long>(malformed), static_cast<unsigned long long>(replays));
    std::printf("  seconds      %.3f\n", seconds);
    std::printf("  events/s     %.0f\n", static_cast<double>(done) / seconds);
    std::printf("  latency ms   p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (arrival → durable commit)\n",
                pct(0.50), pct(0.99), pct(0.999), latency_ns.empty() ? 0.0 : ms(latency_ns.back()));
    std::printf("  split        parse %.3f s, ingest (policy + ledger + commit) %.3f s\n",
                std::chrono::duration<double>(parse_time).count(), std::chrono::duration<double>(apply_time).count());
    std::printf("  wall split   cpu %.3f s (user %.3f + sys %.3f), waiting for a core %.3f s, the rest\n"
                "               (%.3f s) blocked, mostly in fsync; load average %s before, %s after, %u cores\n",
                user + sys, user, sys, run_queue, seconds - user - sys - run_queue, load_before.c_str(),
                load_average().c_str(), std::thread::hardware_concurrency());
    std::printf("  cpu-bound    %.0f events/s if the thread had the core to itself and fsync were free\n",
                static_cast<double>(done) / (user + sys));
    std::printf("  batches      %llu (avg %.3f ms per batch)\n", static_cast<unsigned long long>(batches),
                batches ? seconds * 1e3 / static_cast<double>(batches) : 0.0);
    std::printf("  writes       %llu recorded\n", static_cast<unsigned long long>(writes));
    std::printf("  alerts       %llu created\n", static_cast<unsigned long long>(alerts));
    std::printf("  ledger size  %.1f MB (ledger.sqlite + -wal + -shm)\n", static_cast<double>(ledger_bytes) / 1e6);
    std::printf("  log          %.1f MB at warn level\n", static_cast<double>(log_bytes) / 1e6);
    std::fflush(stdout);

    ledger.reset();
    spdlog::drop_all();
    if (!opt.keep) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    } else {
        std::printf("  kept         %s\n", dir.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_options(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gpwatch-bench-pipeline: %s\n", e.what());
        return 1;
    }
}
