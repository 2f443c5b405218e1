// The regression corpus (tests/data/corpus, README.md there), in the style of Falco's: every case
// is a directory of recorded events and the verdicts expected under given settings. This one test
// replays every case through the real path (the feed's frame parser or the Update Record parser,
// then policy via RecordIngest on a scratch SQLite ledger, then the review clock at the times the
// case names) and compares the verdicts of every write, by reason and rule. Adding a case means
// adding files, not code.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>
#include <boost/json.hpp>

#include "connectors/clinical_feed/feed_message_parser.hpp"
#include "connectors/update_record/update_record_parser.hpp"
#include "daemon/ingest/record_ingest.hpp"
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace gpwatch {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = fs::path(GPWATCH_TEST_DATA_DIR) / "corpus";

struct Expected {
    std::vector<std::string> verdicts;  // "reason" or "reason/rule", sorted
    std::string state;                  // empty: not checked
};

struct Case {
    std::string name;
    fs::path dir;
    fs::path settings;
    std::vector<std::int64_t> review_at;
    std::map<std::string, Expected> expect;
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::int64_t rfc3339(const std::string& text) {
    SysSeconds t{};
    if (!clinical_feed::parse_rfc3339(text, t)) throw std::runtime_error("'" + text + "' is not RFC 3339");
    return t.time_since_epoch().count();
}

Case load_case(const fs::path& dir) {
    Case c;
    c.name = dir.filename().string();
    c.dir = dir;
    const YAML::Node root = YAML::LoadFile((dir / "case.yaml").string());
    if (!root["description"]) throw std::runtime_error("case.yaml has no description");
    c.settings = root["settings"] ? kCorpus / "_settings" / (root["settings"].as<std::string>() + ".yaml")
                                  : dir / "settings.yaml";
    for (const auto& t : root["review_at"]) c.review_at.push_back(rfc3339(t.as<std::string>()));
    for (const auto& item : root["expect"]) {
        Expected e;
        const YAML::Node v = item.second;
        const YAML::Node list = v.IsSequence() ? v : v["verdicts"];
        for (const auto& r : list) e.verdicts.push_back(r.as<std::string>());
        if (v.IsMap() && v["state"]) e.state = v["state"].as<std::string>();
        std::sort(e.verdicts.begin(), e.verdicts.end());
        c.expect[item.first.as<std::string>()] = e;
    }
    return c;
}

// True when the frame parser left out what an event of this kind carries: the case waits for it.
// events.jsonl: clinical-feed frames as the feed sends them, one a line; a line
// {"type":"mesh","file":"NAME"} delivers the Update Record message in file NAME (relative to the
// case) from the MESH mailbox. Blank lines and lines starting with '#' are skipped.
std::vector<RecordEvent> load_events(const Case& c) {
    std::vector<RecordEvent> out;
    clinical_feed::FeedMessageParser parser;
    std::istringstream in(read_file(c.dir / "events.jsonl"));
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        const auto v = boost::json::parse(line);
        const auto* type = v.is_object() ? v.as_object().if_contains("type") : nullptr;
        if (type && type->is_string() && type->get_string() == "mesh") {
            const std::string file(v.at("file").as_string());
            auto ev = update_record::parse_update_record(read_file(c.dir / file));
            mesh_part(ev).message_id = "MESH-" + c.name + "-" + std::to_string(n);
            ev.mesh->workflow_id = "GPCONNECT_UPDATE_RECORD";
            // An unreadable message has no id of its own: it is known by its MESH message id.
            if (ev.entry_id.empty()) ev.entry_id = ev.mesh->message_id;
            out.push_back(std::move(ev));
            continue;
        }
        auto msg = parser.parse(line);
        auto* ev = std::get_if<RecordEvent>(&msg);
        if (!ev) throw std::runtime_error("events.jsonl line " + std::to_string(n) + " is not an event");
        out.push_back(std::move(*ev));
    }
    return out;
}

// A ledger in a scratch directory, removed afterwards.
struct ScratchLedger {
    explicit ScratchLedger(const std::string& name) {
        dir = fs::temp_directory_path() / ("gpwatch-corpus-" + std::to_string(::getpid()) + "-" + name);
        fs::remove_all(dir);
        fs::create_directories(dir);
        ledger = std::make_unique<Ledger>((dir / "ledger.sqlite").string(), Ledger::Access::read_write);
    }
    ~ScratchLedger() {
        ledger.reset();
        fs::remove_all(dir);
    }
    fs::path dir;
    std::unique_ptr<Ledger> ledger;
};

std::string join(const std::vector<std::string>& v) {
    std::string s = "[";
    for (const auto& x : v) s += (s.size() > 1 ? ", " : "") + x;
    return s + "]";
}

// Replays one case; returns what differs from its expectations (empty: it passes).
std::string replay(const Case& c, std::map<std::string, int>& per_rule) {
    const auto load = load_settings_file(c.settings.string());
    if (!load.settings) return "settings " + c.settings.string() + ": " + load.errors.front().to_string();
    const ActiveSettings active(std::move(*load.settings));
    const auto events = load_events(c);

    ScratchLedger scratch(c.name);
    Pseudonymiser pseudonymiser("0123456789abcdef0123456789abcdef");
    RecordIngest ingest(*scratch.ledger, pseudonymiser);
    // One batch per event, as a slow feed would deliver them: state must carry across batches.
    for (const auto& ev : events) ingest.apply(active, {ev}, ev.time.time_since_epoch().count() + 1);
    // The review clock looks at each time the case names: overdue first, then escalation.
    for (auto t : c.review_at) {
        for (int pass = 0; pass < 2; ++pass) {
            std::vector<std::int64_t> due;
            for (auto [id, when] : ingest.recompute_deadlines(active))
                if (when > 0 && when <= t) due.push_back(id);
            ingest.raise_overdue(active, due, t);
        }
    }

    std::string diff;
    std::map<std::string, bool> seen;
    for (const auto& w : LedgerReader(*scratch.ledger).writes()) {
        std::vector<std::string> actual;
        for (const auto& r : w.reasons) {
            auto rule = ingest.controller_ledger().verdict_rule(w.id, *reason_from_string(r));
            actual.push_back(rule.empty() ? r : r + "/" + rule);
            ++per_rule[actual.back()];
        }
        std::sort(actual.begin(), actual.end());
        seen[w.upstream_id] = true;
        auto it = c.expect.find(w.upstream_id);
        if (it == c.expect.end()) {
            diff += "  unexpected write " + w.upstream_id + ": " + join(actual) + "\n";
            continue;
        }
        if (it->second.verdicts != actual)
            diff += "  " + w.upstream_id + ": expected " + join(it->second.verdicts) + ", got " +
                    join(actual) + "\n";
        if (!it->second.state.empty() && it->second.state != w.review_state)
            diff += "  " + w.upstream_id + ": expected state " + it->second.state + ", got " +
                    w.review_state + "\n";
    }
    for (const auto& [id, e] : c.expect)
        if (!seen.count(id))
            diff += "  expected write " + id + " " + join(e.verdicts) + " is not in the ledger\n";
    return diff;
}

TEST(Corpus, EveryCaseGivesTheVerdictsItExpects) {
    spdlog::set_level(spdlog::level::err);  // ingest logs every write; the summary below says enough
    std::vector<fs::path> dirs;
    for (const auto& entry : fs::directory_iterator(kCorpus / "cases"))
        if (entry.is_directory()) dirs.push_back(entry.path());
    std::sort(dirs.begin(), dirs.end());
    EXPECT_GE(dirs.size(), 60u) << "the corpus promises at least 60 cases";

    std::map<std::string, int> per_rule;
    int passed = 0;
    for (const auto& dir : dirs) {
        SCOPED_TRACE(dir.filename().string());
        std::string diff;
        try {
            diff = replay(load_case(dir), per_rule);
        } catch (const std::exception& e) {
            diff = std::string("  cannot replay: ") + e.what() + "\n";
        }
        if (diff.empty())
            ++passed;
        else
            ADD_FAILURE() << "case " << dir.filename().string() << ":\n" << diff;
    }
    // Falco-style summary: how often each verdict (and rule) was seen across the corpus.
    std::cout << "corpus: " << passed << " of " << dirs.size() << " cases as expected\n";
    for (const auto& [rule, n] : per_rule) std::cout << "  " << rule << ": " << n << "\n";
}

}  // namespace
}  // namespace gpwatch
