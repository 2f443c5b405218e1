#pragma once
// The conditions gpwatchd raises internal alerts for (alerts about gpwatchd itself, kind
// "internal"). One list, used by the alerts that raise them, the settings that route them and the
// gpwatchctl commands that silence and list them. The words are a public interface (routes,
// silences, X-Gpwatch-Reason, the webhook's "reason"): add words, never rename one.

#include <string>
#include <string_view>
#include <vector>

namespace gpwatch::condition {

// The clinical feed has been disconnected for longer than internal.feed_disconnected_after.
inline constexpr const char* feed_disconnected = "feed_disconnected";
// MESH refused gpwatchd's mailbox credentials (401/403).
inline constexpr const char* mesh_credentials_refused = "mesh_credentials_refused";
// Free space for the state directory is under internal.disk_free_min.
inline constexpr const char* disk_nearly_full = "disk_nearly_full";
// The ledger refused a write (disk full, I/O error): gpwatchd holds back acknowledgements and
// retries; nothing upstream is lost. Told through the sinks that need no local disk.
inline constexpr const char* ledger_write_failed = "ledger_write_failed";
// A settings reload was refused; the previous settings stay in force.
inline constexpr const char* reload_refused = "reload_refused";
// Deliveries are backing up (too many waiting, or a sink refusing for too long).
inline constexpr const char* outbox_backlog = "outbox_backlog";
// A sink refused an alert for good (one alert per alert and sink).
inline constexpr const char* delivery_failed = "delivery_failed";
// MESH put a REPORT in the mailbox: a message failed to be delivered (one alert per report).
inline constexpr const char* mesh_delivery_report = "mesh_delivery_report";
// The LMC's collector refused an incident report for good (one alert per period and revision).
inline constexpr const char* lmc_upload_refused = "lmc_upload_refused";
// An incident report has not reached the LMC's collector a day after it was sealed.
inline constexpr const char* lmc_upload_delayed = "lmc_upload_delayed";

// gpwatchd was started on a new ledger with --new-ledger (one alert, saying where the old one is).
inline constexpr const char* new_ledger = "new_ledger";
// gpwatchd was started with --accept-rewound-ledger on a ledger behind its high-water record (one
// alert, saying what may be lost).
inline constexpr const char* ledger_rewound = "ledger_rewound";
// No request to MESH has succeeded for longer than internal.mesh_unreachable_after.
inline constexpr const char* mesh_unreachable = "mesh_unreachable";

// Every condition above, in the order documentation lists them.
inline const std::vector<std::string>& all() {
    static const std::vector<std::string> v{feed_disconnected,    mesh_credentials_refused, disk_nearly_full,
                                            ledger_write_failed,  reload_refused,           outbox_backlog,
                                            delivery_failed,      mesh_delivery_report,     lmc_upload_refused,
                                            lmc_upload_delayed,   new_ledger,               ledger_rewound,
                                            mesh_unreachable};
    return v;
}

inline bool known(std::string_view word) {
    for (const auto& c : all())
        if (c == word) return true;
    return false;
}

}  // namespace gpwatch::condition
