#include "collector/collector_settings.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>

#include <date/tz.h>
#include <yaml-cpp/yaml.h>

#include "settings_reader/map_reader.hpp"

namespace gpwatch::collector {

namespace fs = std::filesystem;

CollectorSettingsError::CollectorSettingsError(std::vector<SettingsProblem> p)
    : std::runtime_error(problem_lines(p)), problems(std::move(p)) {}

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

namespace {

using settings_reader::MapReader;

ListenAddress listen(MapReader& r, const YAML::Node& parent, const std::string& path) {
    ListenAddress a;
    if (auto t = r.text(parent, path, "listen", true); t && !parse_listen_address(*t, a))
        r.error(parent["listen"], path + ".listen",
                "should be HOST:PORT (e.g. 0.0.0.0:8443, [::]:8443), not '" + *t + "'");
    return a;
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
    std::vector<SettingsProblem> problems;
    std::vector<SettingsProblem> warnings;  // the collector's settings have none
    MapReader r(path, fs::absolute(fs::path(path)).parent_path().string(), problems, warnings);
    if (!root || root.IsNull()) throw CollectorSettingsError({{path, 0, 0, "", "the settings file is empty"}});
    if (!r.check_map(root, "", {"upload", "web", "storage", "limits", "time_zone"})) throw CollectorSettingsError(problems);

    if (const YAML::Node up = root["upload"]; !up) {
        r.error(root, "upload", "is required (the practices' mutual-TLS listener)");
    } else if (r.check_map(up, "upload", {"listen", "cert_file", "key_file", "client_ca_file"})) {
        s.upload.listen = listen(r, up, "upload");
        s.upload.cert_file = r.readable_file(up, "upload", "cert_file", true).value_or("");
        s.upload.key_file = r.readable_file(up, "upload", "key_file", true).value_or("");
        s.upload.client_ca_file = r.readable_file(up, "upload", "client_ca_file", true).value_or("");
    }

    if (const YAML::Node web = root["web"]; !web) {
        r.error(root, "web", "is required (the LMC officer's page)");
    } else if (r.check_map(web, "web", {"listen", "cert_file", "key_file"})) {
        s.web.listen = listen(r, web, "web");
        s.web.cert_file = r.readable_file(web, "web", "cert_file", true).value_or("");
        s.web.key_file = r.readable_file(web, "web", "key_file", true).value_or("");
    }

    if (const YAML::Node st = root["storage"]; !st) {
        r.error(root, "storage", "is required (backend: sqlite with sqlite_path, or postgresql)");
    } else if (r.check_map(st, "storage", {"backend", "sqlite_path", "postgresql_conninfo", "postgresql_conninfo_file"})) {
        const auto backend = r.text(st, "storage", "backend").value_or("sqlite");
        if (backend == "sqlite") {
            s.storage.backend = StorageBackend::sqlite;
            if (auto p = r.text(st, "storage", "sqlite_path", true)) s.storage.sqlite_path = r.resolve(*p);
            if (st["postgresql_conninfo"] || st["postgresql_conninfo_file"])
                r.error(st, "storage", "postgresql_conninfo(_file) given but backend is sqlite");
        } else if (backend == "postgresql") {
            s.storage.backend = StorageBackend::postgresql;
            const bool inline_info = bool(st["postgresql_conninfo"]);
            const bool file_info = bool(st["postgresql_conninfo_file"]);
            if (inline_info == file_info) {
                r.error(st, "storage",
                        "backend postgresql needs exactly one of postgresql_conninfo and postgresql_conninfo_file");
            } else if (inline_info) {
                s.storage.postgresql_conninfo = r.text(st, "storage", "postgresql_conninfo", true).value_or("");
            } else if (auto f = r.readable_file(st, "storage", "postgresql_conninfo_file", true)) {
                // A file keeps the database password out of the settings file (mode 0600, owned by the service).
                std::string content;
                (void)settings_reader::read_whole_file(*f, content);
                s.storage.postgresql_conninfo = settings_reader::trim(content);
                if (s.storage.postgresql_conninfo.empty())
                    r.error(st["postgresql_conninfo_file"], "storage.postgresql_conninfo_file", *f + " is empty");
            }
            if (st["sqlite_path"]) r.error(st["sqlite_path"], "storage.sqlite_path", "given but backend is postgresql");
        } else {
            r.error(st["backend"], "storage.backend", "should be sqlite or postgresql, not '" + backend + "'");
        }
    }

    if (const YAML::Node lim = root["limits"]; lim && r.check_map(lim, "limits", {"max_report_bytes", "max_clock_skew"})) {
        if (auto v = r.count(lim, "limits", "max_report_bytes", 1024, 16 * 1024 * 1024, "bytes"))
            s.limits.max_report_bytes = static_cast<std::size_t>(*v);
        if (auto d = r.duration(lim, "limits", "max_clock_skew", std::chrono::seconds(1), std::chrono::hours(24),
                                "should be a duration from 1s to 24h such as 5m or 90s"))
            s.limits.max_clock_skew = std::chrono::duration_cast<std::chrono::seconds>(*d);
    }

    if (auto tz = r.text(root, "", "time_zone")) {
        try {
            (void)date::locate_zone(*tz);
            s.time_zone = *tz;
        } catch (const std::exception&) {
            r.error(root["time_zone"], "time_zone", "is not a time zone of the tz database: '" + *tz + "'");
        }
    }
    if (!problems.empty()) throw CollectorSettingsError(problems);
    return s;
}

}  // namespace gpwatch::collector
