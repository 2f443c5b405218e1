#include "daemon/app/lmc_reporter.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace gpwatch {

namespace asio = boost::asio;
using lmc_upload::UploadOutcome;
using lmc_upload::UploadResult;

namespace {

// How many due reports one round takes (a backlog after a long outage goes over a few rounds;
// the next round follows at once).
constexpr int kRoundLimit = 20;

std::chrono::system_clock::time_point at_unix(std::int64_t t) {
    return std::chrono::system_clock::time_point{std::chrono::seconds{t}};
}

std::string answer_words(const UploadOutcome& o) {
    std::string s = "HTTP " + std::to_string(o.http_status);
    if (!o.status_word.empty()) s += " " + o.status_word;
    return s;
}

// How long a report may keep failing to reach the collector before an internal alert says so.
constexpr std::int64_t kDelayedAlertAfter = 24 * 3600;

}  // namespace

std::unique_ptr<lmc_upload::ReportUploader> make_lmc_uploader(const ReportingSettings& settings) {
    if (!settings.upload) return nullptr;
    lmc_upload::UploadOptions o;
    o.url = settings.upload->url;
    o.ca_file = settings.upload->ca_file;
    o.client_cert_file = settings.upload->client_cert_file;
    o.client_key_file = settings.upload->client_key_file;
    o.timeout = settings.upload->timeout;
    return std::make_unique<lmc_upload::LmcUploader>(std::move(o));
}

std::int64_t lmc_retry_delay(std::int64_t failures, std::mt19937_64& rng) {
    std::int64_t step = 5;
    for (std::int64_t i = 1; i < failures && step < 3600; ++i) step *= 2;
    step = std::min<std::int64_t>(step, 3600);
    std::uniform_int_distribution<std::int64_t> jitter(step / 2, step);
    return jitter(rng);
}

LmcReporter::LmcReporter(asio::any_io_executor io, Ledger& ledger, const Settings& settings,
                         std::unique_ptr<lmc_upload::ReportUploader> uploader, LmcReporterHooks hooks)
    : io_(io),
      ledger_(ledger),
      settings_(settings.reporting),
      key_(reporting::SigningKey::load_pem_file(settings.reporting.signing_key_file)),
      preparer_(std::make_unique<ReportPreparer>(ledger, report_context(settings), settings.reporting, &key_)),
      reports_(ledger),
      uploader_(std::move(uploader)),
      hooks_(std::move(hooks)),
      timer_(io),
      rng_(std::random_device{}()),
      alive_(std::make_shared<bool>(true)) {
    spdlog::info("lmc reports: weekly, signed with key {}; {}", key_.key_id(),
                 settings_.upload ? "uploaded to " + settings_.upload->url
                                  : std::string("no upload configured (prepared and kept as unsent)"));
}

LmcReporter::~LmcReporter() {
    stop();
    *alive_ = false;  // an outcome still queued on the event loop is dropped, not applied
    worker_.join();   // the cancelled upload returns within about a second
}

void LmcReporter::start(std::chrono::seconds first_after) {
    const std::int64_t now = hooks_.now();
    if (uploader_) {
        // Weeks sealed while no upload was configured are sent now that one is: the LMC would
        // otherwise never get them unless their counts changed again.
        try {
            if (const int queued = reports_.requeue_newest({"unsent"}, "", now); queued > 0)
                spdlog::info("lmc reports: {} week(s) prepared while no upload was configured are queued for upload",
                             queued);
        } catch (const std::exception& e) {
            spdlog::error("lmc reports: cannot queue unsent reports: {}", e.what());
        }
    }
    next_check_at_ = now + first_after.count();
    arm();
}

void LmcReporter::stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (uploader_) uploader_->cancel();
}

void LmcReporter::reconfigure(const Settings& next) {
    const auto& r = next.reporting;
    if (!r.enabled)
        spdlog::warn("reload: the reporting: section was removed; LMC reporting continues until the next start");
    else if (r.signing_key_file != settings_.signing_key_file || r.upload != settings_.upload)
        spdlog::warn("reload: reporting.signing_key_file or reporting.upload changed; the key and the upload "
                     "connection gpwatchd started with stay in use until the next start");
    if (!r.enabled) return;
    ReportingSettings kept = r;
    kept.signing_key_file = settings_.signing_key_file;
    kept.upload = settings_.upload;
    try {
        preparer_ = std::make_unique<ReportPreparer>(ledger_, report_context(next), kept, &key_);
    } catch (const std::exception& e) {
        spdlog::error("reload: LMC reports keep the previous settings: {}", e.what());
        return;
    }
    settings_ = std::move(kept);
    // A reload is the admin's "apply now": count again at once with the new settings, and pick up
    // reports `gpwatchctl report resend` put back in the outbox.
    if (!stopped_) {
        next_check_at_ = std::min(next_check_at_, hooks_.now() + 1);
        if (!in_flight_) arm();
    }
}

void LmcReporter::prepare(std::int64_t now) {
    // Counting is the ledger's work and stays on this thread. A failure here does not stop
    // gpwatchd watching writes: it is logged and tried again at the next check.
    try {
        const int sealed = preparer_->record_new_revisions(now, uploader_ != nullptr);
        if (sealed > 0)
            spdlog::info("lmc reports: {} new report revision(s) sealed{}", sealed,
                         uploader_ ? "" : " (no upload configured: kept as unsent)");
    } catch (const std::exception& e) {
        spdlog::error("lmc reports: cannot prepare reports: {}; trying again in {} s", e.what(),
                      settings_.check_every.count());
    }
}

bool LmcReporter::run_round() {
    if (stopped_ || in_flight_) return false;
    const std::int64_t now = hooks_.now();
    if (now >= next_check_at_) {
        prepare(now);
        next_check_at_ = now + settings_.check_every.count();
    }
    if (uploader_ && now >= hold_until_) {
        try {
            round_ = reports_.due(now, kRoundLimit);
        } catch (const std::exception& e) {
            hooks_.fatal(std::string("cannot read the LMC report outbox: ") + e.what());
            stopped_ = true;
            return true;
        }
        if (!round_.empty()) {
            std::reverse(round_.begin(), round_.end());  // oldest last: taken with pop_back
            in_flight_ = true;
            upload_next();
            return true;
        }
    }
    arm();
    return true;
}

void LmcReporter::upload_next() {
    if (round_.empty() || stopped_) {
        in_flight_ = false;
        round_.clear();
        arm();
        return;
    }
    StoredReport report = std::move(round_.back());
    round_.pop_back();
    // The HTTPS exchange blocks for up to the time-out: it runs on the worker, and only its
    // outcome comes back to this thread, which alone writes the ledger.
    asio::post(worker_, [this, report = std::move(report), alive = alive_, io = io_]() mutable {
        UploadOutcome outcome = uploader_->upload(report.body);
        asio::post(io, [this, report = std::move(report), outcome = std::move(outcome), alive] {
            if (*alive) on_uploaded(report, outcome);
        });
    });
}

void LmcReporter::on_uploaded(const StoredReport& report, const UploadOutcome& outcome) {
    if (stopped_) {
        in_flight_ = false;
        round_.clear();
        return;  // stays pending: sent again at the next start
    }
    const std::int64_t next = apply(report, outcome, hooks_.now());
    if (stopped_) return;  // the ledger failed and the daemon is stopping
    if (outcome.result == UploadResult::retryable) {
        // The collector is not taking reports now: the rest of the round waits too, rather than
        // each meeting the same trouble.
        hold_until_ = next;
        round_.clear();
    }
    upload_next();
}

std::int64_t LmcReporter::apply(const StoredReport& r, const UploadOutcome& o, std::int64_t now) {
    const std::string which = r.period + " revision " + std::to_string(r.revision);
    try {
        switch (o.result) {
            case UploadResult::delivered:
                reports_.mark_delivered(r.period, r.revision, now);
                spdlog::info("lmc report {}: delivered ({})", which, answer_words(o));
                return 0;
            case UploadResult::retryable: {
                const std::int64_t failures = r.attempts + 1;
                const std::int64_t next = now + lmc_retry_delay(failures, rng_);
                reports_.mark_retry(r.period, r.revision, failures, next, o.error);
                spdlog::warn("lmc report {}: not delivered ({}), attempt {}, next in {} s: {}", which,
                             lmc_upload::to_string(o.cause), failures, next - now, o.error);
                // Retrying quietly suits a collector down for an hour, not for days: after a day
                // someone should look. One alert per revision (the key makes it once).
                if (now - r.created_at >= kDelayedAlertAfter && hooks_.raise_delayed)
                    hooks_.raise_delayed("lmc_upload_delayed:" + r.period + ":" + std::to_string(r.revision),
                                         "an LMC report has not been delivered for a day",
                                         "The incident report for " + which +
                                             " has not reached the LMC's collector since it was sealed " +
                                             std::to_string((now - r.created_at) / 3600) +
                                             " hours ago. Last error (" + lmc_upload::to_string(o.cause) +
                                             "): " + o.error + ". gpwatchd keeps retrying.",
                                         now);
                return next;
            }
            case UploadResult::refused: {
                // An older revision still pending when late events sealed a newer one can reach
                // the collector after it (it was backing off, or gpwatchd restarted and the newer
                // one was due first). The collector then says 409 superseded: nothing is wrong and
                // no one need act, as the newer revision carries the week. Recorded as failed with
                // that reason, without an alert; a superseded answer for our newest revision
                // (e.g. a ledger restored from an old backup) still alerts below.
                if (o.http_status == 409 && o.status_word == "superseded") {
                    const auto newest = reports_.latest(r.period);
                    if (newest && newest->revision > r.revision) {
                        reports_.mark_failed(r.period, r.revision,
                                             "superseded by revision " + std::to_string(newest->revision) +
                                                 " of this week before it was delivered (nothing to do)");
                        spdlog::info("lmc report {}: not needed any more (HTTP 409 superseded; revision {} of the "
                                     "week replaces it)", which, newest->revision);
                        return 0;
                    }
                }
                // Alert first: if the ledger takes the alert but not the state, the next attempt
                // meets the same refusal and the same key raises nothing twice.
                std::string detail = "The LMC's collector refused the incident report for " + which + ": " +
                                     answer_words(o) + (o.detail.empty() ? "" : " (" + o.detail + ")") +
                                     ". It will not be sent again.";
                const bool alerted = hooks_.raise_refused("lmc_upload_refused:" + r.period + ":" +
                                                              std::to_string(r.revision),
                                                          "the LMC collector refused a report", detail, now);
                if (!alerted) {
                    // Not recorded: keep it pending so the refusal, and its alert, come again.
                    const std::int64_t next = now + lmc_retry_delay(r.attempts + 1, rng_);
                    reports_.mark_retry(r.period, r.revision, r.attempts + 1, next, o.error);
                    spdlog::error("lmc report {}: refused ({}) but the internal alert could not be recorded; "
                                  "trying again in {} s", which, answer_words(o), next - now);
                    return next;
                }
                reports_.mark_failed(r.period, r.revision, o.error);
                spdlog::error("lmc report {}: refused by the collector ({}){}; marked failed", which,
                              answer_words(o), o.detail.empty() ? "" : ": " + o.detail);
                return 0;
            }
        }
    } catch (const std::exception& e) {
        hooks_.fatal("cannot record the upload of LMC report " + which + ": " + e.what());
        stop();
    }
    return 0;
}

void LmcReporter::arm() {
    if (stopped_) return;
    const std::int64_t now = hooks_.now();
    std::int64_t wake = next_check_at_;
    if (uploader_) {
        std::int64_t pending = 0;
        try {
            pending = reports_.next_attempt_at();
        } catch (const std::exception& e) {
            spdlog::error("lmc reports: cannot read the outbox: {}", e.what());
        }
        if (pending > 0) wake = std::min(wake, std::max(pending, hold_until_));
    }
    timer_.expires_at(at_unix(std::max(wake, now + 1)));
    timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (ec || !*alive) return;
        run_round();
    });
}

}  // namespace gpwatch
