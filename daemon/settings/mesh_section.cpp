#include "daemon/settings/mesh_section.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "daemon/settings/value_checks.hpp"
#include "proto/url.hpp"

namespace gpwatch {

namespace {

namespace fs = std::filesystem;
using Keys = std::vector<std::string_view>;

const Keys kMeshKeys{"enabled",          "url",             "mailbox",         "password",
                     "password_file",    "shared_secret",   "shared_secret_file", "client_cert_file",
                     "client_key_file",  "ca_file",         "poll_interval",   "handshake_interval",
                     "request_timeout",  "retry_initial",   "retry_max",       "credentials_backoff",
                     "max_message_bytes"};

constexpr std::size_t kMaxSecretBytes = 64 * 1024;
constexpr std::uint64_t kMinMessageBytes = 1024;
constexpr std::uint64_t kMaxMessageBytes = 4ull * 1024 * 1024 * 1024;  // 4 GiB
constexpr std::string_view kCredentialPrefix = "credential:";
constexpr std::string_view kCredentialsVariable = "${CREDENTIALS_DIRECTORY}";

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
        errors.push_back(at(file, n, "mesh." + setting, msg));
    }
    void warn(const YAML::Node& n, const std::string& setting, const std::string& msg) {
        warnings.push_back(at(file, n, "mesh." + setting, msg));
    }
    std::string resolve(const std::string& p) const {
        const fs::path path(p);
        if (path.is_absolute() || base_dir.empty()) return path.lexically_normal().string();
        return (fs::path(base_dir) / path).lexically_normal().string();
    }
};

std::optional<std::string> text(Context& c, const YAML::Node& map, const std::string& key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (!v.IsScalar() || settings_detail::trim(v.Scalar()).empty()) {
        c.error(v, key, "should be a single, non-empty value");
        return std::nullopt;
    }
    return v.Scalar();
}

std::optional<bool> flag(Context& c, const YAML::Node& map, const std::string& key) {
    auto t = text(c, map, key);
    if (!t) return std::nullopt;
    std::string v = *t;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    c.error(map[key], key, "'" + *t + "' is not true or false");
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> duration(Context& c, const YAML::Node& map, const std::string& key) {
    auto t = text(c, map, key);
    if (!t) return std::nullopt;
    auto d = parse_duration(*t);
    if (!d || d->count() <= 0) {
        c.error(map[key], key, "'" + *t + "' is not a duration longer than zero (write e.g. 5m, 30s, 24h)");
        return std::nullopt;
    }
    return d;
}

// "100MB", "2GB", "64KB", "1048576" (bytes).
std::optional<std::uint64_t> bytes(Context& c, const YAML::Node& map, const std::string& key) {
    auto t = text(c, map, key);
    if (!t) return std::nullopt;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), n);
    const std::string unit(end, static_cast<const char*>(t->data() + t->size()));
    const std::uint64_t mult = unit.empty() || unit == "B" ? 1
                               : unit == "KB"              ? 1024ull
                               : unit == "MB"              ? 1024ull * 1024
                               : unit == "GB"              ? 1024ull * 1024 * 1024
                                                           : 0;
    if (ec != std::errc{} || end == t->data() || mult == 0 || n > kMaxMessageBytes / mult ||
        n * mult < kMinMessageBytes) {
        c.error(map[key], key, "'" + *t + "' is not a size from 1KB to 4GB (write e.g. 100MB)");
        return std::nullopt;
    }
    return n * mult;
}

// Where a secret file reference points; nullopt (and an error) when it names the credentials
// directory but the variable is unset.
std::optional<std::string> secret_path(Context& c, const YAML::Node& at, const std::string& key,
                                       const std::string& reference) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    const bool wants_dir = reference.rfind(kCredentialPrefix, 0) == 0 ||
                           reference.find(kCredentialsVariable) != std::string::npos;
    if (wants_dir && (dir == nullptr || *dir == '\0')) {
        c.error(at, key,
                "'" + reference + "' names a systemd credential, but CREDENTIALS_DIRECTORY is not set "
                "(add LoadCredential= to the unit, or write the file's path)");
        return std::nullopt;
    }
    if (reference.rfind(kCredentialPrefix, 0) == 0) {
        const std::string name = reference.substr(kCredentialPrefix.size());
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
            c.error(at, key, "'" + reference + "': write credential:NAME with a plain name (no '/')");
            return std::nullopt;
        }
        return (fs::path(dir) / name).string();
    }
    std::string path = reference;
    for (auto pos = path.find(kCredentialsVariable); pos != std::string::npos;
         pos = path.find(kCredentialsVariable, pos))
        path.replace(pos, kCredentialsVariable.size(), dir);
    return c.resolve(path);
}

// `key` inline or `key_file`; required when the mailbox is enabled. Returns the secret; the file's
// resolved path goes to `file_out`. The secret itself never appears in a message.
std::optional<std::string> secret(Context& c, const YAML::Node& map, const std::string& key, bool required,
                                  std::string& file_out) {
    const std::string file_key = key + "_file";
    auto inline_value = text(c, map, key);
    auto reference = text(c, map, file_key);
    if (inline_value && reference) {
        c.error(map[file_key], file_key, "write either " + key + " or " + file_key + ", not both");
        return std::nullopt;
    }
    const auto check = [&](const std::string& value, const YAML::Node& at, const std::string& where,
                           const std::string& setting) -> std::optional<std::string> {
        if (value.empty()) {
            c.error(at, setting, where + " is empty");
            return std::nullopt;
        }
        if (std::any_of(value.begin(), value.end(), [](unsigned char ch) { return std::iscntrl(ch); })) {
            c.error(at, setting, where + " holds more than one line or control characters; it should hold only the " +
                                     key);
            return std::nullopt;
        }
        return value;
    };
    if (inline_value) return check(*inline_value, map[key], "the " + key, key);
    if (reference) {
        auto path = secret_path(c, map[file_key], file_key, *reference);
        if (!path) return std::nullopt;
        file_out = *path;
        std::error_code ec;
        if (fs::is_directory(*path, ec)) {
            c.error(map[file_key], file_key, "'" + *path + "' is a directory, not a file");
            return std::nullopt;
        }
        std::ifstream in(*path, std::ios::binary);
        if (!in) {
            c.error(map[file_key], file_key, "cannot read '" + *path + "' (missing, or not readable by gpwatchd)");
            return std::nullopt;
        }
        std::string content(kMaxSecretBytes + 1, '\0');
        in.read(content.data(), static_cast<std::streamsize>(content.size()));
        content.resize(static_cast<std::size_t>(in.gcount()));
        if (content.size() > kMaxSecretBytes) {
            c.error(map[file_key], file_key, "'" + *path + "' is larger than 64 KiB; it should hold only the " + key);
            return std::nullopt;
        }
        // A final newline (or trailing spaces) is not part of the secret.
        while (!content.empty() && std::isspace(static_cast<unsigned char>(content.back()))) content.pop_back();
        return check(content, map[file_key], "the file '" + *path + "'", file_key);
    }
    if (required)
        c.error(map, key, "required setting is missing (write " + file_key + ": naming a file that holds it, e.g. "
                          "credential:mesh-" + (key == "password" ? "password" : "shared-secret") + ", or " + key + ":)");
    return std::nullopt;
}

}  // namespace

void load_mesh_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                       MeshSettings& out, std::vector<SettingsError>& errors,
                       std::vector<SettingsError>& warnings) {
    Context c{file, base_dir, errors, warnings};
    if (!node.IsDefined() || node.IsNull()) return;  // no mailbox: MESH stays off
    if (!node.IsMap()) {
        errors.push_back(Context::at(file, node, "mesh", "should be a map of settings (indented 'key: value' lines)"));
        return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.as<std::string>("");
        if (std::find(kMeshKeys.begin(), kMeshKeys.end(), key) != kMeshKeys.end()) continue;
        std::string msg = "unknown setting '" + key + "'";
        if (auto near = settings_detail::nearest(key, kMeshKeys))
            msg += " (probably a typo: did you mean '" + *near + "'?)";
        else
            msg += " (allowed here: url, mailbox, password_file, shared_secret_file, client_cert_file, "
                   "client_key_file, ca_file, poll_interval, max_message_bytes, ...; see docs/configuration.md)";
        c.error(it->first, key, msg);
    }

    // Written but switched off: nothing is required, but what is written is still checked.
    out.enabled = flag(c, node, "enabled").value_or(true);
    const bool required = out.enabled;
    const auto missing = [&](const std::string& key, const std::string& what) {
        if (required && !node[key].IsDefined())
            c.error(node, key, "required setting is missing (" + what + ")");
    };

    if (auto v = text(c, node, "url")) {
        auto url = parse_url(*v);
        if (!url || url->scheme != "https")
            c.error(node["url"], "url", "'" + *v + "' is not https://host:port");
        else if (url->target != "/")
            c.error(node["url"], "url", "'" + *v + "' has a path; write only https://host:port (gpwatchd adds "
                                        "/messageexchange/...)");
        else
            out.url = *v;
    } else {
        missing("url", "the MESH server, https://host:port");
    }

    if (auto v = text(c, node, "mailbox")) {
        const bool ok = v->size() <= 32 && std::all_of(v->begin(), v->end(), [](unsigned char ch) {
            return std::isalnum(ch);
        });
        if (!ok)
            c.error(node["mailbox"], "mailbox", "'" + *v + "' is not a MESH mailbox id (letters and digits, e.g. "
                                                "C84001OT001)");
        else
            out.mailbox = *v;
    } else {
        missing("mailbox", "the practice's MESH mailbox id, e.g. C84001OT001");
    }

    if (auto s = secret(c, node, "password", required, out.password_file)) out.password = *s;
    if (auto s = secret(c, node, "shared_secret", required, out.shared_secret_file)) out.shared_secret = *s;

    for (auto [key, field, what] :
         {std::tuple{"client_cert_file", &out.client_cert_file, "the mailbox's client certificate, PEM"},
          std::tuple{"client_key_file", &out.client_key_file, "the client certificate's private key, PEM"},
          std::tuple{"ca_file", &out.ca_file, "the CA that signed MESH's server certificate, PEM"}}) {
        if (auto v = text(c, node, key)) {
            *field = c.resolve(*v);
            std::error_code ec;
            if (!fs::exists(*field, ec))
                c.warn(node[key], key, "'" + *field + "' does not exist (yet); MESH cannot connect without it");
        } else {
            missing(key, what);
        }
    }

    for (auto [key, field] : {std::pair{"poll_interval", &out.poll_interval},
                              std::pair{"handshake_interval", &out.handshake_interval},
                              std::pair{"request_timeout", &out.request_timeout},
                              std::pair{"retry_initial", &out.retry_initial},
                              std::pair{"retry_max", &out.retry_max},
                              std::pair{"credentials_backoff", &out.credentials_backoff}})
        if (auto d = duration(c, node, key)) *field = *d;
    if (node["poll_interval"].IsDefined() && out.poll_interval < std::chrono::minutes(5))
        c.warn(node["poll_interval"], "poll_interval",
               "is shorter than 5m: MESH asks live mailboxes to poll no more often than every 5 minutes");
    if (out.handshake_interval > std::chrono::hours(24) && node["handshake_interval"].IsDefined())
        c.error(node["handshake_interval"], "handshake_interval",
                "is longer than 24h: MESH expects a handshake at least once a day");
    if (out.retry_initial > out.retry_max) {
        const YAML::Node at = node["retry_max"].IsDefined() ? node["retry_max"] : node["retry_initial"];
        c.error(at, node["retry_max"].IsDefined() ? "retry_max" : "retry_initial",
                "the first retry wait (retry_initial) is longer than the longest one (retry_max)");
    }
    if (auto n = bytes(c, node, "max_message_bytes")) out.max_message_bytes = static_cast<std::size_t>(*n);
}

}  // namespace gpwatch
