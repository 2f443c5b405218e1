#include "daemon/settings/mesh_section.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "settings_reader/map_reader.hpp"
#include "proto/url.hpp"

namespace gpwatch {

namespace {

namespace fs = std::filesystem;
using settings_reader::Keys;
using settings_reader::MapReader;
using settings_reader::words;

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
const std::string kPath = "mesh";

// The full name of one of the section's settings, as messages give it.
std::string setting(const std::string& key) { return kPath + "." + key; }

// MESH's waits: any duration longer than zero (milliseconds are fine).
std::optional<std::chrono::milliseconds> duration(MapReader& c, const YAML::Node& map, const std::string& key) {
    return c.parsed(
        map, kPath, key,
        [](const std::string& t) -> std::optional<std::chrono::milliseconds> {
            auto d = parse_duration(t);
            if (!d || d->count() <= 0) return std::nullopt;
            return d;
        },
        "is not a duration longer than zero (write e.g. 5m, 30s, 24h)");
}

// Where a secret file reference points; nullopt (and an error) when it names the credentials
// directory but the variable is unset.
std::optional<std::string> secret_path(MapReader& c, const YAML::Node& at, const std::string& key,
                                       const std::string& reference) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    const bool wants_dir = reference.rfind(kCredentialPrefix, 0) == 0 ||
                           reference.find(kCredentialsVariable) != std::string::npos;
    if (wants_dir && (dir == nullptr || *dir == '\0')) {
        c.error(at, setting(key),
                "'" + reference + "' names a systemd credential, but CREDENTIALS_DIRECTORY is not set "
                "(add LoadCredential= to the unit, or write the file's path)");
        return std::nullopt;
    }
    if (reference.rfind(kCredentialPrefix, 0) == 0) {
        const std::string name = reference.substr(kCredentialPrefix.size());
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
            c.error(at, setting(key), "'" + reference + "': write credential:NAME with a plain name (no '/')");
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
std::optional<std::string> secret(MapReader& c, const YAML::Node& map, const std::string& key, bool required,
                                  std::string& file_out) {
    const std::string file_key = key + "_file";
    auto inline_value = c.text(map, kPath, key);
    auto reference = c.text(map, kPath, file_key);
    if (inline_value && reference) {
        c.error(map[file_key], setting(file_key), "write either " + key + " or " + file_key + ", not both");
        return std::nullopt;
    }
    const auto check = [&](const std::string& value, const YAML::Node& at, const std::string& where,
                           const std::string& name) -> std::optional<std::string> {
        if (value.empty()) {
            c.error(at, setting(name), where + " is empty");
            return std::nullopt;
        }
        if (std::any_of(value.begin(), value.end(), [](unsigned char ch) { return std::iscntrl(ch); })) {
            c.error(at, setting(name), where + " holds more than one line or control characters; it should hold only the " +
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
            c.error(map[file_key], setting(file_key), "'" + *path + "' is a directory, not a file");
            return std::nullopt;
        }
        std::ifstream in(*path, std::ios::binary);
        if (!in) {
            c.error(map[file_key], setting(file_key), "cannot read '" + *path + "' (missing, or not readable by gpwatchd)");
            return std::nullopt;
        }
        std::string content(kMaxSecretBytes + 1, '\0');
        in.read(content.data(), static_cast<std::streamsize>(content.size()));
        content.resize(static_cast<std::size_t>(in.gcount()));
        if (content.size() > kMaxSecretBytes) {
            c.error(map[file_key], setting(file_key), "'" + *path + "' is larger than 64 KiB; it should hold only the " + key);
            return std::nullopt;
        }
        // A final newline (or trailing spaces) is not part of the secret.
        while (!content.empty() && std::isspace(static_cast<unsigned char>(content.back()))) content.pop_back();
        return check(content, map[file_key], "the file '" + *path + "'", file_key);
    }
    if (required)
        c.error(map, setting(key), "required setting is missing (write " + file_key + ": naming a file that holds it, e.g. "
                          "credential:mesh-" + (key == "password" ? "password" : "shared-secret") + ", or " + key + ":)");
    return std::nullopt;
}

}  // namespace

void load_mesh_section(const YAML::Node& node, const std::string& file, const std::string& base_dir,
                       MeshSettings& out, std::vector<SettingsError>& errors,
                       std::vector<SettingsError>& warnings) {
    MapReader c{file, base_dir, errors, warnings};
    if (!node.IsDefined() || node.IsNull()) return;  // no mailbox: MESH stays off
    if (!c.check_map(node, kPath, kMeshKeys,
                     "url, mailbox, password_file, shared_secret_file, client_cert_file, client_key_file, "
                     "ca_file, poll_interval, max_message_bytes, ...; see docs/configuration.md"))
        return;

    // Written but switched off: nothing is required, but what is written is still checked.
    out.enabled = c.flag(node, kPath, "enabled").value_or(true);
    const bool required = out.enabled;
    const auto missing = [&](const std::string& key, const std::string& what) {
        if (required && !node[key].IsDefined())
            c.error(node, setting(key), "required setting is missing (" + what + ")");
    };

    if (auto v = c.text(node, kPath, "url")) {
        auto url = parse_url(*v);
        if (!url || url->scheme != "https")
            c.error(node["url"], setting("url"), "'" + *v + "' is not https://host:port");
        else if (url->target != "/")
            c.error(node["url"], setting("url"), "'" + *v + "' has a path; write only https://host:port (gpwatchd adds "
                                        "/messageexchange/...)");
        else
            out.url = *v;
    } else {
        missing("url", "the MESH server, https://host:port");
    }

    if (auto v = c.text(node, kPath, "mailbox")) {
        const bool ok = v->size() <= 32 && std::all_of(v->begin(), v->end(), [](unsigned char ch) {
            return std::isalnum(ch);
        });
        if (!ok)
            c.error(node["mailbox"], setting("mailbox"), "'" + *v + "' is not a MESH mailbox id (letters and digits, e.g. "
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
        if (auto v = c.text(node, kPath, key)) {
            *field = c.resolve(*v);
            std::error_code ec;
            if (!fs::exists(*field, ec))
                c.warn(node[key], setting(key), "'" + *field + "' does not exist (yet); MESH cannot connect without it");
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
        c.warn(node["poll_interval"], setting("poll_interval"),
               "is shorter than 5m: MESH asks live mailboxes to poll no more often than every 5 minutes");
    if (out.handshake_interval > std::chrono::hours(24) && node["handshake_interval"].IsDefined())
        c.error(node["handshake_interval"], setting("handshake_interval"),
                "is longer than 24h: MESH expects a handshake at least once a day");
    if (out.retry_initial > out.retry_max) {
        const YAML::Node at = node["retry_max"].IsDefined() ? node["retry_max"] : node["retry_initial"];
        c.error(at, setting(node["retry_max"].IsDefined() ? "retry_max" : "retry_initial"),
                "the first retry wait (retry_initial) is longer than the longest one (retry_max)");
    }
    if (auto n = c.bytes(node, kPath, "max_message_bytes", kMinMessageBytes, kMaxMessageBytes,
                         "is not a size from 1KB to 4GB (write e.g. 100MB)"))
        out.max_message_bytes = static_cast<std::size_t>(*n);
}

}  // namespace gpwatch
