#pragma once
// What goes to the Local Medical Committee and how: the `reporting:` section of the settings
// (docs/configuration.md). daemon/settings/reporting_section parses it; daemon/reporting counts,
// controls, signs and records the weekly reports by it. Without a `reporting:` section nothing is
// counted for the LMC and nothing leaves the practice.

#include <chrono>
#include <optional>
#include <string>

namespace gpwatch {

// reporting.upload: where sealed reports are POSTed (HTTPS, mutual TLS). Absent: reports are
// prepared and recorded (gpwatchctl report show/list) but never sent.
struct ReportingUploadSettings {
    std::string url;               // https://collector:8443/v1/reports
    std::string ca_file;           // CA that signed the collector's certificate; empty: system CAs
    std::string client_cert_file;  // the practice's client certificate (PEM)
    std::string client_key_file;   // its private key (PEM)
    std::chrono::seconds timeout{30};
    bool operator==(const ReportingUploadSettings&) const = default;
};

struct ReportingSettings {
    bool enabled = false;             // a reporting: section was written
    std::string signing_key_file;     // Ed25519 private key, PEM (resolved path)
    std::string period = "iso_week";  // the only period for now
    std::chrono::seconds settle_after{std::chrono::hours(48)};  // a week is first reported this long after it ends
    std::chrono::seconds check_every{std::chrono::hours(1)};    // how often closed weeks are re-counted
    int look_back_weeks = 8;          // closed weeks older than this are never revised
    bool per_writer_ods = false;      // split counts by the writer's ODS code (organisations only)
    std::optional<ReportingUploadSettings> upload;
    bool operator==(const ReportingSettings&) const = default;
};

}  // namespace gpwatch
