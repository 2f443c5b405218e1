#include "daemon/settings/reporting_section.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "daemon/settings/value_checks.hpp"
#include "proto/url.hpp"

namespace gpwatch {

namespace {

namespace fs = std::filesystem;
using Keys = std::vector<std::string_view>;

const Keys kReportingKeys{"signing_key_file", "period",         "settle_after", "check_every",
                          "look_back_weeks",  "per_writer_ods", "upload"};
const Keys kUploadKeys{"url", "ca_file", "client_cert_file", "client_key_file", "timeout"};

constexpr std::int64_t kMaxLookBackWeeks = 520;  // ten years: beyond that nobody revises anything
constexpr auto kMaxSettleAfter = std::chrono::hours(24 * 28);
// A re-count is one indexed GROUP BY over look_back_weeks of writes: cheap enough every second,
// though an hour is plenty for the LMC (the default).
constexpr auto kMinCheckEvery = std::chrono::seconds(1);
constexpr auto kMaxTimeout = std::chrono::minutes(10);

struct Context {
    const std::string& file;
    const std::string& base_dir;
    std::vector<SettingsError>& errors;
    std::vector<SettingsError>& warnings;

    static SettingsError at(const std::string& file, const YAML::Node& n, const std::string& setting,
                            const std::string& msg) {
        const auto m = n.Mark();
        return {file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, setting, msg};
    }
    void error(const YAML::Node& n, const std::string& setting, const std::string& msg) {
        errors.push_back(at(file, n, setting, msg));
    }
    void warn(const YAML::Node& n, const std::string& setting, const std::string& msg) {
        warnings.push_back(at(file, n, setting, msg));
    }
    std::string resolve(const std::string& p) const {
        const fs::path path(p);
        if (path.is_absolute() || base_dir.empty()) return path.lexically_normal().string();
        return (fs::path(base_dir) / path).lexically_normal().string();
    }
};

std::string words(const Keys& keys) {
    std::string s;
    for (auto k : keys) s += (s.empty() ? "" : ", ") + std::string(k);
    return s;
}

// Reports keys that are not in `allowed`; false if the node is not a map.
bool check_map(Context& c, const YAML::Node& n, const std::string& path, const Keys& allowed) {
    if (!n.IsMap()) {
        c.error(n, path, "should be a map of settings (indented 'key: value' lines)");
        return false;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto key = it->first.as<std::string>("");
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
        std::string msg = "unknown setting '" + key + "'";
        if (auto near = settings_detail::nearest(key, allowed))
            msg += " (probably a typo: did you mean '" + *near + "'?)";
        else
            msg += " (allowed here: " + words(allowed) + ")";
        c.error(it->first, path + "." + key, msg);
    }
    return true;
}

std::optional<std::string> text(Context& c, const YAML::Node& map, const std::string& path, const std::string& key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (!v.IsScalar() || settings_detail::trim(v.Scalar()).empty()) {
        c.error(v, path + "." + key, "should be a single, non-empty value");
        return std::nullopt;
    }
    return v.Scalar();
}

std::optional<bool> flag(Context& c, const YAML::Node& map, const std::string& path, const std::string& key) {
    auto t = text(c, map, path, key);
    if (!t) return std::nullopt;
    std::string v = *t;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    c.error(map[key], path + "." + key, "'" + *t + "' is not true or false");
    return std::nullopt;
}

// A duration in whole seconds from `min` to `max` (parse_duration: 45s, 30m, 48h, 1h30m).
std::optional<std::chrono::seconds> seconds(Context& c, const YAML::Node& map, const std::string& path,
                                            const std::string& key, std::chrono::seconds min,
                                            std::chrono::seconds max, const std::string& example) {
    auto t = text(c, map, path, key);
    if (!t) return std::nullopt;
    auto d = parse_duration(*t);
    if (!d || d->count() % 1000 != 0) {
        c.error(map[key], path + "." + key, "'" + *t + "' is not a whole number of seconds (write e.g. " + example + ")");
        return std::nullopt;
    }
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(*d);
    if (s < min || s > max) {
        c.error(map[key], path + "." + key,
                "'" + *t + "' is out of range: write from " + std::to_string(min.count()) + "s to " +
                    std::to_string(max.count()) + "s (e.g. " + example + ")");
        return std::nullopt;
    }
    return s;
}

// A file path, resolved; warns when it does not exist (yet): the daemon says so again when it
// needs the file, and gpwatchctl can still show a report without it.
std::optional<std::string> file_setting(Context& c, const YAML::Node& map, const std::string& path,
                                        const std::string& key, const std::string& what) {
    auto t = text(c, map, path, key);
    if (!t) return std::nullopt;
    std::string resolved = c.resolve(*t);
    std::error_code ec;
    if (!fs::exists(resolved, ec))
        c.warn(map[key], path + "." + key, "'" + resolved + "' does not exist (yet): " + what);
    return resolved;
}

void load_upload(Context& c, const YAML::Node& node, const YAML::Node& key_node, ReportingSettings& out) {
    const std::string path = "reporting.upload";
    if (!check_map(c, node, path, kUploadKeys)) return;
    ReportingUploadSettings up;
    const auto missing = [&](const std::string& key, const std::string& what) {
        c.error(key_node, path + "." + key, "required setting is missing (add '" + key + ":' under 'upload:': " + what + ")");
    };
    if (auto v = text(c, node, path, "url")) {
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
    Context c{file, base_dir, errors, warnings};
    const std::string path = "reporting";
    if (!check_map(c, node, path, kReportingKeys)) return;
    out.enabled = true;

    if (auto v = file_setting(c, node, path, "signing_key_file",
                              "reports cannot be signed without it (make one with "
                              "'openssl genpkey -algorithm ed25519 -out FILE')"))
        out.signing_key_file = *v;
    else if (!node["signing_key_file"].IsDefined())
        c.error(node, path + ".signing_key_file",
                "required setting is missing (add 'signing_key_file:' under 'reporting:': the practice's Ed25519 "
                "private key, PEM, that signs every report)");
    if (auto v = text(c, node, path, "period")) {
        if (*v != "iso_week")
            c.error(node["period"], path + ".period", "'" + *v + "' is not a period gpwatchd knows (write iso_week)");
    }
    if (auto v = seconds(c, node, path, "settle_after", std::chrono::seconds(0), kMaxSettleAfter, "48h"))
        out.settle_after = *v;
    if (auto v = seconds(c, node, path, "check_every", kMinCheckEvery, std::chrono::hours(24 * 7), "1h"))
        out.check_every = *v;
    if (auto v = text(c, node, path, "look_back_weeks")) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc{} || end != v->data() + v->size() || n < 1 || n > kMaxLookBackWeeks)
            c.error(node["look_back_weeks"], path + ".look_back_weeks",
                    "'" + *v + "' should be a whole number of weeks from 1 to " + std::to_string(kMaxLookBackWeeks));
        else
            out.look_back_weeks = static_cast<int>(n);
    }
    if (auto v = flag(c, node, path, "per_writer_ods")) out.per_writer_ods = *v;
    const YAML::Node upload = node["upload"];
    if (upload.IsDefined() && !upload.IsNull()) {
        YAML::Node key_node;
        for (auto it = node.begin(); it != node.end(); ++it)
            if (it->first.as<std::string>("") == "upload") key_node = it->first;
        load_upload(c, upload, key_node, out);
    }
}

}  // namespace gpwatch
