#pragma once
// The collector's settings file (YAML), read once at start. Every error names the file, line and
// column of the offending value, like gpwatchd's settings, so an LMC admin can fix it without
// reading code. Relative paths resolve against the settings file's directory.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "settings_reader/problem.hpp"

namespace gpwatch::collector {

// One problem in the settings file: "file:line:column: setting: message", worded as gpwatchd's.
using SettingsProblem = gpwatch::SettingsProblem;

// Thrown by load_collector_settings with every problem found (not only the first).
struct CollectorSettingsError : std::runtime_error {
    explicit CollectorSettingsError(std::vector<SettingsProblem> problems);
    std::vector<SettingsProblem> problems;
};

struct ListenAddress {
    std::string host;        // an IP address or a name; IPv6 without brackets
    std::uint16_t port = 0;  // 0: the system picks one (logged at start)
    bool operator==(const ListenAddress&) const = default;
};

// The practices' side: mutual TLS, the client certificate must chain to client_ca_file.
struct UploadListener {
    ListenAddress listen;
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;
    bool operator==(const UploadListener&) const = default;
};

// The LMC officer's browser: server-authenticated TLS only.
struct WebListener {
    ListenAddress listen;
    std::string cert_file;
    std::string key_file;
    bool operator==(const WebListener&) const = default;
};

enum class StorageBackend { sqlite, postgresql };

struct StorageSettings {
    StorageBackend backend = StorageBackend::sqlite;
    std::string sqlite_path;          // resolved
    std::string postgresql_conninfo;  // as given, or read from postgresql_conninfo_file (trimmed)
    bool operator==(const StorageSettings&) const = default;
};

struct Limits {
    std::size_t max_report_bytes = 256 * 1024;
    std::chrono::seconds max_clock_skew{300};
    bool operator==(const Limits&) const = default;
};

struct CollectorSettings {
    std::string file;  // the settings file as given
    UploadListener upload;
    WebListener web;
    StorageSettings storage;
    Limits limits;
    std::string time_zone = "Europe/London";
    bool operator==(const CollectorSettings&) const = default;
};

// Reads and checks `path`; throws CollectorSettingsError (all problems) or, when the file cannot
// be read at all, CollectorSettingsError with one problem naming the file. Files it names must be
// readable; whether the certificates and keys in them are usable is for make_upload_tls and
// make_web_tls (collector_tls.hpp) to say, which --check-config runs as serve does.
CollectorSettings load_collector_settings(const std::string& path);

// "HOST:PORT" or "[V6]:PORT"; nullopt-like false when malformed.
bool parse_listen_address(const std::string& text, ListenAddress& out);

}  // namespace gpwatch::collector
