#include "collector/collector_settings.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <date/tz.h>
#include <yaml-cpp/yaml.h>

namespace gpwatch::collector {

namespace fs = std::filesystem;

std::string SettingsProblem::to_string() const {
    std::string s = file;
    if (line > 0) {
        s += ":" + std::to_string(line);
        if (column > 0) s += ":" + std::to_string(column);
    }
    if (!s.empty()) s += ": ";
    if (!setting.empty()) s += setting + ": ";
    return s + message;
}

namespace {

std::string join_problems(const std::vector<SettingsProblem>& problems) {
    std::string text;
    for (const auto& p : problems) {
        if (!text.empty()) text += "\n";
        text += p.to_string();
    }
    return text;
}

}  // namespace

CollectorSettingsError::CollectorSettingsError(std::vector<SettingsProblem> p)
    : std::runtime_error(join_problems(p)), problems(std::move(p)) {}

bool parse_listen_address(const std::string& text, ListenAddress& out) {
    std::string host;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon) return false;  // bare IPv6 needs brackets
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty() || port.empty()) return false;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) return false;
    out.host = host;
    out.port = static_cast<std::uint16_t>(value);
    return true;
}

bool parse_duration(const std::string& text, std::chrono::milliseconds& out) {
    if (text.empty()) return false;
    std::int64_t total = 0;
    int previous_rank = 4;  // units largest first, each at most once: h > m > s > ms
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t digits_start = i;
        std::int64_t value = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, text[i] - '0', &value))
                return false;
            ++i;
        }
        if (i == digits_start || i == text.size()) return false;
        int rank = 0;
        std::int64_t unit_ms = 0;
        if (text.compare(i, 2, "ms") == 0) {
            rank = 0, unit_ms = 1, i += 2;
        } else if (text[i] == 'h') {
            rank = 3, unit_ms = 3'600'000, i += 1;
        } else if (text[i] == 'm') {
            rank = 2, unit_ms = 60'000, i += 1;
        } else if (text[i] == 's') {
            rank = 1, unit_ms = 1'000, i += 1;
        } else {
            return false;
        }
        if (rank >= previous_rank) return false;
        previous_rank = rank;
        std::int64_t part = 0;
        if (__builtin_mul_overflow(value, unit_ms, &part) || __builtin_add_overflow(total, part, &total)) return false;
    }
    out = std::chrono::milliseconds{total};
    return true;
}

namespace {

using Keys = std::set<std::string>;

// Walks the YAML tree collecting problems; values that are wrong leave the defaults in place so
// every problem of the file is reported in one go.
class Reader {
public:
    Reader(std::string file, fs::path base) : file_(std::move(file)), base_(std::move(base)) {}

    std::vector<SettingsProblem> problems;

    void problem(const YAML::Mark& m, const std::string& setting, const std::string& message) {
        problems.push_back({file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, setting, message});
    }

    // A map whose keys must come from `known`; unknown keys are problems.
    bool section(const YAML::Node& node, const std::string& path, const Keys& known) {
        if (!node.IsMap()) {
            problem(node.Mark(), path, "should be a map of settings ('key: value' lines)");
            return false;
        }
        for (const auto& kv : node) {
            const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
            if (!known.count(key)) {
                std::string list;
                for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                problem(kv.first.Mark(), path.empty() ? key : path + "." + key,
                        "is not a setting here (known: " + list + ")");
            }
        }
        return true;
    }

    std::optional<std::string> text(const YAML::Node& parent, const std::string& path, const std::string& key,
                                    bool required) {
        const YAML::Node v = parent[key];
        const std::string name = path + "." + key;
        if (!v) {
            if (required) problem(parent.Mark(), name, "is required");
            return std::nullopt;
        }
        if (!v.IsScalar() || v.Scalar().empty()) {
            problem(v.Mark(), name, "should be a non-empty value");
            return std::nullopt;
        }
        return v.Scalar();
    }

    // A file that must exist and be readable; resolved against the settings file's directory.
    std::optional<std::string> existing_file(const YAML::Node& parent, const std::string& path, const std::string& key) {
        auto t = text(parent, path, key, true);
        if (!t) return std::nullopt;
        const std::string resolved = resolve(*t);
        std::ifstream in(resolved);
        if (!in) {
            problem(parent[key].Mark(), path + "." + key, "cannot read " + resolved);
            return std::nullopt;
        }
        return resolved;
    }

    ListenAddress listen(const YAML::Node& parent, const std::string& path) {
        ListenAddress a;
        if (auto t = text(parent, path, "listen", true); t && !parse_listen_address(*t, a))
            problem(parent["listen"].Mark(), path + ".listen", "should be HOST:PORT (e.g. 0.0.0.0:8443, [::]:8443), not '" + *t + "'");
        return a;
    }

    std::string resolve(const std::string& p) const {
        const fs::path path(p);
        return path.is_absolute() ? p : (base_ / path).lexically_normal().string();
    }

private:
    std::string file_;
    fs::path base_;
};

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

}  // namespace

CollectorSettings load_collector_settings(const std::string& path) {
    CollectorSettings s;
    s.file = path;
    YAML::Node root;
    {
        std::ifstream in(path);
        if (!in) throw CollectorSettingsError({{path, 0, 0, "", "cannot read the settings file"}});
        try {
            root = YAML::Load(in);
        } catch (const YAML::Exception& e) {
            throw CollectorSettingsError({{path, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                           e.mark.column >= 0 ? e.mark.column + 1 : 0, "", "not valid YAML: " + e.msg}});
        }
    }
    fs::path base = fs::absolute(fs::path(path)).parent_path();
    Reader r(path, base);
    if (!root || root.IsNull()) throw CollectorSettingsError({{path, 0, 0, "", "the settings file is empty"}});
    if (!r.section(root, "", {"upload", "web", "storage", "limits", "time_zone"})) throw CollectorSettingsError(r.problems);

    if (const YAML::Node up = root["upload"]; !up) {
        r.problem(root.Mark(), "upload", "is required (the practices' mutual-TLS listener)");
    } else if (r.section(up, "upload", {"listen", "cert_file", "key_file", "client_ca_file"})) {
        s.upload.listen = r.listen(up, "upload");
        s.upload.cert_file = r.existing_file(up, "upload", "cert_file").value_or("");
        s.upload.key_file = r.existing_file(up, "upload", "key_file").value_or("");
        s.upload.client_ca_file = r.existing_file(up, "upload", "client_ca_file").value_or("");
    }

    if (const YAML::Node web = root["web"]; !web) {
        r.problem(root.Mark(), "web", "is required (the LMC officer's page)");
    } else if (r.section(web, "web", {"listen", "cert_file", "key_file"})) {
        s.web.listen = r.listen(web, "web");
        s.web.cert_file = r.existing_file(web, "web", "cert_file").value_or("");
        s.web.key_file = r.existing_file(web, "web", "key_file").value_or("");
    }

    if (const YAML::Node st = root["storage"]; !st) {
        r.problem(root.Mark(), "storage", "is required (backend: sqlite with sqlite_path, or postgresql)");
    } else if (r.section(st, "storage", {"backend", "sqlite_path", "postgresql_conninfo", "postgresql_conninfo_file"})) {
        const auto backend = r.text(st, "storage", "backend", false).value_or("sqlite");
        if (backend == "sqlite") {
            s.storage.backend = StorageBackend::sqlite;
            if (auto p = r.text(st, "storage", "sqlite_path", true)) s.storage.sqlite_path = r.resolve(*p);
            if (st["postgresql_conninfo"] || st["postgresql_conninfo_file"])
                r.problem(st.Mark(), "storage", "postgresql_conninfo(_file) given but backend is sqlite");
        } else if (backend == "postgresql") {
            s.storage.backend = StorageBackend::postgresql;
            const bool inline_info = bool(st["postgresql_conninfo"]);
            const bool file_info = bool(st["postgresql_conninfo_file"]);
            if (inline_info == file_info) {
                r.problem(st.Mark(), "storage",
                          "backend postgresql needs exactly one of postgresql_conninfo and postgresql_conninfo_file");
            } else if (inline_info) {
                s.storage.postgresql_conninfo = r.text(st, "storage", "postgresql_conninfo", true).value_or("");
            } else if (auto f = r.existing_file(st, "storage", "postgresql_conninfo_file")) {
                // A file keeps the database password out of the settings file (mode 0600, owned by the service).
                std::ifstream in(*f);
                std::stringstream buf;
                buf << in.rdbuf();
                s.storage.postgresql_conninfo = trim(buf.str());
                if (s.storage.postgresql_conninfo.empty())
                    r.problem(st["postgresql_conninfo_file"].Mark(), "storage.postgresql_conninfo_file", *f + " is empty");
            }
            if (st["sqlite_path"]) r.problem(st["sqlite_path"].Mark(), "storage.sqlite_path", "given but backend is postgresql");
        } else {
            r.problem(st["backend"].Mark(), "storage.backend", "should be sqlite or postgresql, not '" + backend + "'");
        }
    }

    if (const YAML::Node lim = root["limits"]; lim && r.section(lim, "limits", {"max_report_bytes", "max_clock_skew"})) {
        if (auto t = r.text(lim, "limits", "max_report_bytes", false)) {
            std::size_t v = 0;
            const auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
            if (ec != std::errc{} || end != t->data() + t->size() || v < 1024 || v > 16 * 1024 * 1024)
                r.problem(lim["max_report_bytes"].Mark(), "limits.max_report_bytes",
                          "should be a number of bytes from 1024 to 16777216, not '" + *t + "'");
            else
                s.limits.max_report_bytes = v;
        }
        if (auto t = r.text(lim, "limits", "max_clock_skew", false)) {
            std::chrono::milliseconds d{};
            if (!parse_duration(*t, d) || d < std::chrono::seconds(1) || d > std::chrono::hours(24))
                r.problem(lim["max_clock_skew"].Mark(), "limits.max_clock_skew",
                          "should be a duration from 1s to 24h such as 5m or 90s, not '" + *t + "'");
            else
                s.limits.max_clock_skew = std::chrono::duration_cast<std::chrono::seconds>(d);
        }
    }

    if (auto tz = r.text(root, "", "time_zone", false)) {
        try {
            (void)date::locate_zone(*tz);
            s.time_zone = *tz;
        } catch (const std::exception&) {
            r.problem(root["time_zone"].Mark(), "time_zone", "is not a time zone of the tz database: '" + *tz + "'");
        }
    }
    for (auto& p : r.problems)
        if (p.setting.rfind('.', 0) == 0) p.setting.erase(0, 1);  // root-level keys read as ".time_zone"
    if (!r.problems.empty()) throw CollectorSettingsError(r.problems);
    return s;
}

}  // namespace gpwatch::collector
