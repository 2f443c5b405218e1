#include "daemon/settings/reporting_section.hpp"

#include <filesystem>

#include "settings_reader/map_reader.hpp"
#include "proto/url.hpp"

namespace gpwatch {

namespace {

namespace fs = std::filesystem;
using settings_reader::Keys;
using settings_reader::MapReader;
using settings_reader::words;

const Keys kReportingKeys{"signing_key_file", "period",         "settle_after", "check_every",
                          "look_back_weeks",  "per_writer_ods", "upload"};
const Keys kUploadKeys{"url", "ca_file", "client_cert_file", "client_key_file", "timeout"};

constexpr std::int64_t kMaxLookBackWeeks = 520;  // ten years: beyond that nobody revises anything
constexpr auto kMaxSettleAfter = std::chrono::hours(24 * 28);
// A re-count is one indexed GROUP BY over look_back_weeks of writes: cheap enough every second,
// though an hour is plenty for the LMC (the default).
constexpr auto kMinCheckEvery = std::chrono::seconds(1);
constexpr auto kMaxTimeout = std::chrono::minutes(10);

// A duration in whole seconds from `min` to `max` (parse_duration: 45s, 30m, 48h, 1h30m).
std::optional<std::chrono::seconds> seconds(MapReader& c, const YAML::Node& map, const std::string& path,
                                            const std::string& key, std::chrono::seconds min,
                                            std::chrono::seconds max, const std::string& example) {
    auto s = c.whole_seconds(map, path, key, std::chrono::seconds(0),
                             "is not a whole number of seconds (write e.g. " + example + ")");
    if (s && (*s < min || *s > max)) {
        c.error(map[key], path + "." + key,
                "'" + map[key].Scalar() + "' is out of range: write from " + std::to_string(min.count()) + "s to " +
                    std::to_string(max.count()) + "s (e.g. " + example + ")");
        return std::nullopt;
    }
    return s;
}

// A file path, resolved; warns when it does not exist (yet): the daemon says so again when it
// needs the file, and gpwatchctl can still show a report without it.
std::optional<std::string> file_setting(MapReader& c, const YAML::Node& map, const std::string& path,
                                        const std::string& key, const std::string& what) {
    auto t = c.text(map, path, key);
    if (!t) return std::nullopt;
    std::string resolved = c.resolve(*t);
    std::error_code ec;
    if (!fs::exists(resolved, ec))
        c.warn(map[key], path + "." + key, "'" + resolved + "' does not exist (yet): " + what);
    return resolved;
}

void load_upload(MapReader& c, const YAML::Node& node, const YAML::Node& key_node, ReportingSettings& out) {
    const std::string path = "reporting.upload";
    if (!c.check_map(node, path, kUploadKeys)) return;
    ReportingUploadSettings up;
    const auto missing = [&](const std::string& key, const std::string& what) {
        c.error(key_node, path + "." + key, "required setting is missing (add '" + key + ":' under 'upload:': " + what + ")");
    };
    if (auto v = c.text(node, path, "url")) {
        auto url = parse_url(*v);
        if (!url || url->scheme != "https")
            c.error(node["url"], path + ".url",
                    "'" + *v + "' is not an https:// address (reports are only ever sent over TLS)");
        else
            up.url = *v;
    } else {
        missing("url", "the collector's address, e.g. https://lmc-collector.example.nhs.uk:8443/v1/reports");
    }
    if (auto v = file_setting(c, node, path, "ca_file", "reports cannot be sent without it")) up.ca_file = *v;
    if (auto v = file_setting(c, node, path, "client_cert_file", "the collector refuses a practice without it"))
        up.client_cert_file = *v;
    else if (!node["client_cert_file"].IsDefined())
        missing("client_cert_file", "the practice's client certificate; the collector requires mutual TLS");
    if (auto v = file_setting(c, node, path, "client_key_file", "the collector refuses a practice without it"))
        up.client_key_file = *v;
    else if (!node["client_key_file"].IsDefined())
        missing("client_key_file", "the private key of client_cert_file");
    if (auto v = seconds(c, node, path, "timeout", std::chrono::seconds(1), kMaxTimeout, "30s")) up.timeout = *v;
    out.upload = std::move(up);
}

}  // namespace

void load_reporting_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                            ReportingSettings& out, std::vector<SettingsError>& errors,
                            std::vector<SettingsError>& warnings) {
    out = ReportingSettings{};
    if (!node.IsDefined() || node.IsNull()) return;  // no section: reporting off
    MapReader c{file, base_dir, errors, warnings};
    const std::string path = "reporting";
    if (!c.check_map(node, path, kReportingKeys)) return;
    out.enabled = true;

    if (auto v = file_setting(c, node, path, "signing_key_file",
                              "reports cannot be signed without it (make one with "
                              "'openssl genpkey -algorithm ed25519 -out FILE')"))
        out.signing_key_file = *v;
    else if (!node["signing_key_file"].IsDefined())
        c.error(node, path + ".signing_key_file",
                "required setting is missing (add 'signing_key_file:' under 'reporting:': the practice's Ed25519 "
                "private key, PEM, that signs every report)");
    if (auto v = c.text(node, path, "period")) {
        if (*v != "iso_week")
            c.error(node["period"], path + ".period", "'" + *v + "' is not a period gpwatchd knows (write iso_week)");
    }
    if (auto v = seconds(c, node, path, "settle_after", std::chrono::seconds(0), kMaxSettleAfter, "48h"))
        out.settle_after = *v;
    if (auto v = seconds(c, node, path, "check_every", kMinCheckEvery, std::chrono::hours(24 * 7), "1h"))
        out.check_every = *v;
    if (auto v = c.count(node, path, "look_back_weeks", 1, kMaxLookBackWeeks, "weeks"))
        out.look_back_weeks = static_cast<int>(*v);
    if (auto v = c.flag(node, path, "per_writer_ods")) out.per_writer_ods = *v;
    const YAML::Node upload = node["upload"];
    if (upload.IsDefined() && !upload.IsNull()) {
        YAML::Node key_node;
        for (auto it = node.begin(); it != node.end(); ++it)
            if (it->first.as<std::string>("") == "upload") key_node = it->first;
        load_upload(c, upload, key_node, out);
    }
}

}  // namespace gpwatch
