#include "daemon/alerts/internal_alerts.hpp"

#include <spdlog/spdlog.h>

#include "daemon/alerts/local_time.hpp"

namespace gpwatch::alerts {

const char* internal_what_to_do(const std::string& c) {
    if (c == condition::feed_disconnected)
        return "Check that the clinical system is up and reachable from this server, and the feed's "
               "url, token and CA in gpwatch's settings. gpwatchd keeps reconnecting and loses "
               "nothing: it resumes from the last event it recorded.";
    if (c == condition::mesh_credentials_refused)
        return "MESH refused gpwatch's mailbox credentials: renew the MESH certificate or password "
               "and update the settings. Update Record messages wait in the MESH mailbox meanwhile.";
    if (c == condition::disk_nearly_full)
        return "Free space on the disk holding gpwatch's state directory. When it is full the ledger "
               "cannot take writes: gpwatchd then stays up but holds back acknowledgements (nothing is "
               "lost upstream) and resumes by itself once there is room.";
    if (c == condition::reload_refused)
        return "Run gpwatchd --check-config on the settings file, fix what it names, and reload "
               "again. The previous settings stay in force until then.";
    if (c == condition::outbox_backlog)
        return "Alerts are waiting to be delivered: check the alert destinations (mail server, "
               "webhook, clinical system) and 'gpwatchctl alerts' for the errors.";
    if (c == condition::delivery_failed)
        return "A destination refused an alert for good (see the error): fix the destination's "
               "settings (recipient, credentials). The alert is in 'gpwatchctl alerts' and still "
               "went to the other destinations of its route.";
    if (c == condition::mesh_delivery_report)
        return "MESH reported that a message did not reach its recipient (status code and the "
               "message it is about are above; 'gpwatchctl mesh' lists every report). Tell whoever "
               "sent that message from the practice's mailbox, or the MESH service desk if it recurs.";
    if (c == condition::lmc_upload_refused)
        return "The Local Medical Committee's collector refused a weekly incident report (status and "
               "detail above; 'gpwatchctl report list' shows every report's state). Usually the "
               "practice or its key is not registered with the LMC (give the LMC the output of "
               "'gpwatchctl report public-key'; then 'gpwatchctl report resend'), or the server's clock is "
               "wrong. The report holds counts only.";
    if (c == condition::lmc_upload_delayed)
        return "A weekly incident report for the Local Medical Committee has not reached its collector "
               "for a day (the last error is above). gpwatchd keeps retrying, up to hourly. Check the "
               "network path to the collector and that its certificate and the practice's client "
               "certificate are valid; ask the LMC whether the collector is up.";
    if (c == condition::ledger_write_failed)
        return "The ledger cannot be written (the reason is above; usually a full disk). gpwatchd stays up, "
               "holds back every acknowledgement so nothing upstream is lost, and resumes by itself once a "
               "write succeeds again: free space on the disk holding the state directory (gpwatchctl status "
               "shows the state), or restore the ledger if it is damaged.";
    if (c == condition::new_ledger)
        return "gpwatchd was started on a new, empty ledger (--new-ledger). The old one was set aside as named "
               "above; writes the clinical feed still retains are ingested again and may be alerted again. "
               "Keep the old ledger for the record.";
    if (c == condition::ledger_rewound)
        return "gpwatchd carries on, as asked (--accept-rewound-ledger), with a ledger that is behind what it had "
               "already acknowledged or sent (what is above). MESH messages acknowledged since are gone from MESH: "
               "ask the senders (the MESH tracking of the practice's mailbox lists them) to send again. Feed events "
               "since are read again if the clinical system still holds them, and may be alerted again. Find out "
               "how the ledger went back (a deleted ledger.sqlite-wal, an old copy restored) so it does not recur.";
    if (c == condition::mesh_unreachable)
        return "gpwatchd cannot reach the MESH mailbox (the last error is above): check the network path and "
               "proxy to MESH, its certificate and the mesh: settings. Update Record messages wait in the "
               "mailbox meanwhile, but MESH deletes undownloaded messages after 5 days.";
    return "See docs/operations.md.";
}

InternalAlerts::InternalAlerts(Ledger& ledger, std::string practice, std::string time_zone)
    : ledger_(ledger), delivery_(ledger), practice_(std::move(practice)), time_zone_(std::move(time_zone)) {}

bool InternalAlerts::active(const std::string& key) {
    auto c = delivery_.condition(key);
    return c && c->active;
}

std::int64_t InternalAlerts::add(const std::string& key, const std::string& cond, Severity severity,
                                 const std::string& headline, const std::string& detail, std::int64_t now,
                                 bool stays_on) {
    ledger_.begin();
    try {
        auto existing = delivery_.condition(key);
        if (existing && (existing->active || !stays_on)) {
            ledger_.commit();
            return 0;
        }
        std::string sev = to_string(severity);
        for (auto& ch : sev) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        const std::string subject = "[" + sev + "] gpwatch: " + headline;
        std::string body = sev + ": " + headline + ".\n\n";
        body += "What:     " + detail + "\n";
        body += "When:     " + local_time_words(time_zone_, now) + "\n";
        body += "Where:    gpwatchd at " + practice_ + "\n";
        body += "\nWhat to do: " + std::string(internal_what_to_do(cond)) + "\n";
        body += "\n--\ngpwatch internal alert (" + cond + ")\n";
        const auto id = delivery_.add_internal_alert(cond, severity, subject, body, now);
        // A one-off event is recorded as already over: raised once, never listed as on.
        delivery_.set_condition({key, stays_on, now, detail, id, stays_on ? 0 : now});
        ledger_.commit();
        spdlog::warn("internal alert {} raised: {}: {}", id, cond, detail);
        return id;
    } catch (...) {
        ledger_.rollback();
        throw;
    }
}

std::int64_t InternalAlerts::raise(const std::string& key, const std::string& cond, Severity severity,
                                   const std::string& headline, const std::string& detail, std::int64_t now) {
    return add(key, cond, severity, headline, detail, now, true);
}

std::int64_t InternalAlerts::raise_once(const std::string& key, const std::string& cond, Severity severity,
                                        const std::string& headline, const std::string& detail, std::int64_t now) {
    return add(key, cond, severity, headline, detail, now, false);
}

bool InternalAlerts::clear(const std::string& key, const std::string& cond, bool notify, std::int64_t now) {
    ledger_.begin();
    try {
        auto existing = delivery_.condition(key);
        if (!existing || !existing->active) {
            ledger_.commit();
            return false;
        }
        std::int64_t id = 0;
        if (notify) {
            const std::string subject = "[INFO] gpwatch: resolved: " + cond;
            std::string body = "INFO: resolved: " + cond + ".\n\n";
            body += "What:     " + existing->detail + "\n";
            body += "Started:  " + local_time_words(time_zone_, existing->since) + "\n";
            body += "Ended:    " + local_time_words(time_zone_, now) + "\n";
            body += "Where:    gpwatchd at " + practice_ + "\n\nNothing to do.\n";
            body += "\n--\ngpwatch internal alert (" + cond + ", resolved)\n";
            id = delivery_.add_internal_alert(cond, Severity::info, subject, body, now);
        }
        auto c = *existing;
        c.active = false;
        c.cleared_at = now;
        delivery_.set_condition(c);
        ledger_.commit();
        spdlog::info("internal condition {} resolved{}", cond, id ? " (alert " + std::to_string(id) + ")" : "");
        return true;
    } catch (...) {
        ledger_.rollback();
        throw;
    }
}

}  // namespace gpwatch::alerts
