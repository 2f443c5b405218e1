#include "daemon/app/daemon.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "daemon/alerts/local_time.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace gpwatch {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::chrono::system_clock::time_point at_unix(std::int64_t t) {
    return std::chrono::system_clock::time_point{std::chrono::seconds{t}};
}

// How often a ledger that refused a write is tried again.
constexpr auto kLedgerProbeEvery = std::chrono::seconds(5);
// How long a stopping gpwatchd gives its last delivery round: what is due when it stops goes
// out, and what a sink takes in that time is recorded (not sent again after the restart).
constexpr auto kDeliveryDrain = std::chrono::seconds(3);
// Then how long it waits for the threads of sinks still delivering (they are abandoned, and
// what they carried goes after the restart).
constexpr auto kSinkGrace = std::chrono::seconds(2);
// Stopping takes at most this long, whatever stalls (systemd's TimeoutStopSec is 15 s).
constexpr auto kShutdownGuard = std::chrono::seconds(8);

}  // namespace

Settings with_state_dir(Settings s, const std::string& state_dir) {
    for (auto [inbox, folder] : {std::pair{&s.duty_inbox, "duty-inbox"}, std::pair{&s.admin_inbox, "admin-inbox"}}) {
        const auto default_dir = (fs::path(s.state_dir) / folder).string();
        if (inbox->maildir.empty() || inbox->maildir == default_dir)
            inbox->maildir = (fs::path(state_dir) / folder).string();
    }
    s.state_dir = state_dir;
    return s;
}

Daemon::Daemon(DaemonOptions options, Settings settings)
    : options_(std::move(options)),
      signals_(ioc_, SIGTERM, SIGINT, SIGHUP),
      flush_timer_(ioc_),
      outbox_timer_(ioc_),
      health_timer_(ioc_),
      watchdog_timer_(ioc_),
      status_timer_(ioc_),
      probe_timer_(ioc_),
      shutdown_guard_(ioc_),
      drain_timer_(ioc_) {
    if (options_.state_dir_override) settings = with_state_dir(std::move(settings), *options_.state_dir_override);
    active_ = std::make_shared<const ActiveSettings>(std::move(settings));
    const auto& s = active_->settings;
    state_dir_ = s.state_dir;

    std::error_code ec;
    fs::create_directories(state_dir_, ec);
    if (ec) throw std::runtime_error("cannot create the state directory " + state_dir_ + ": " + ec.message());
    ::chmod(state_dir_.c_str(), 0750);
    try {
        lock_ = std::make_unique<status::InstanceLock>(state_dir_);
    } catch (const std::runtime_error& e) {
        throw StartRefused(e.what());
    }

    // Every Maildir gpwatchd delivers to: their messages are history, and carry alert ids.
    std::vector<std::string> inboxes{s.duty_inbox.maildir, s.admin_inbox.maildir};
    for (const auto& k : s.delivery.sinks)
        if (k.type == SinkType::maildir && !k.maildir.empty()) inboxes.push_back(k.maildir);
    auto opening = open_ledger(state_dir_, inboxes, {options_.new_ledger, options_.accept_rewound_ledger});
    ledger_ = std::move(opening.ledger);
    high_water_ = std::move(opening.high_water);
    // At once, before anything else can stop this start: the new ledger's first alert holds the
    // id floor, so a later start without --new-ledger still continues above the old ids.
    note_new_ledger(opening);
    note_rewound_ledger(opening);
    // Where the ledger is now is what later starts compare with (after an accepted rewind, the
    // ledger as it is now is the truth).
    high_water_.write(position_of(*ledger_));
    pseudonymiser_ = std::make_unique<Pseudonymiser>(
        Pseudonymiser::from_key_file((fs::path(state_dir_) / "pseudonym.key").string()));
    ingest_ = std::make_unique<RecordIngest>(*ledger_, *pseudonymiser_);
    // No delivery: section: the duty and admin inbox Maildirs. Results come back on this loop.
    delivery_ = std::make_unique<AlertDelivery>(
        ioc_.get_executor(), *ledger_, s, [this] { request_delivery_round(); },
        [this](const std::string& what) { ledger_failed("cannot record an alert's delivery: " + what); });
    // Every alert id is recorded as handed out before a sink names it to a peer, so a ledger that
    // goes back cannot hand it out again unseen. Not recorded: the alert waits for a later round,
    // and the next commit finds the record failing and holds everything (ledger_failed).
    delivery_->set_naming_hook([this](std::int64_t id) {
        try {
            high_water_.advance_alert_id(id);
            return true;
        } catch (const std::exception& e) {
            spdlog::error("alert {} held back: {}", id, e.what());
            return false;
        }
    });
    mesh_messages_ = ledger_->mesh_message_count();
    start_reporting();
    make_review_scheduler();
}

// Built at start so a signing key or upload file that cannot be used stops the start, naming the
// file, rather than failing a week later.
void Daemon::start_reporting() {
    const auto& s = active_->settings;
    if (!s.reporting.enabled) return;
    LmcReporterHooks hooks;
    hooks.now = now_unix;
    // Both LMC conditions are one-off internal alerts, recorded then delivered at once.
    auto raise_as = [this](const char* condition, Severity severity) {
        return [this, condition, severity](const std::string& key, const std::string& headline,
                                           const std::string& detail, std::int64_t now) {
            const bool recorded = delivery_->raise_event(key, condition, severity, headline, detail, now);
            if (recorded) deliver_alerts();
            return recorded;
        };
    };
    hooks.raise_refused = raise_as(alerts::condition::lmc_upload_refused, Severity::high);
    hooks.raise_delayed = raise_as(alerts::condition::lmc_upload_delayed, Severity::review);
    hooks.fatal = [this](const std::string& what) { ledger_failed(what); };
    std::unique_ptr<lmc_upload::ReportUploader> uploader;
    try {
        uploader = make_lmc_uploader(s.reporting);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("LMC reporting: ") + e.what());
    }
    try {
        reporter_ = std::make_unique<LmcReporter>(ioc_.get_executor(), *ledger_, s, std::move(uploader),
                                                  std::move(hooks));
    } catch (const reporting::KeyError& e) {
        throw std::runtime_error(std::string("LMC reporting: reporting.signing_key_file: ") + e.what());
    }
}

void Daemon::make_review_scheduler() {
    ReviewScheduler::Hooks h;
    h.load_slice = [this](std::int64_t after, int limit, std::int64_t& last) {
        return ingest_->recompute_deadlines_slice(*active_, after, limit, last);
    };
    h.loaded = [this](std::size_t open) {
        try {
            ingest_->close_drifts_in_line(*active_);
        } catch (const std::exception& e) {
            ledger_failed(std::string("cannot close processor drifts: ") + e.what());
            return;
        }
        deadlines_loaded_ = true;
        notifier_.status("watching " + active_->settings.practice_ods + ": deadlines scheduled for " +
                         std::to_string(open) + " open writes");
        write_status();
    };
    h.before_check = [this] { flush(); };
    h.raise = [this](const std::vector<std::int64_t>& writes, std::int64_t now, ReviewScheduler::Deadlines& later) {
        return ingest_->raise_overdue(*active_, writes, now, &later);
    };
    h.alerts_created = [this] { deliver_alerts(); };
    h.failed = [this](const std::string& what) { ledger_failed(what); };
    h.now = now_unix;
    review_ = std::make_unique<ReviewScheduler>(ioc_.get_executor(), std::move(h));
}

// --new-ledger: one internal alert saying so, with an id above every alert the inboxes already
// hold, so no sink mistakes a new alert for an old one (Maildir file names and Message-IDs carry
// the id).
void Daemon::note_new_ledger(const LedgerOpening& opening) {
    if (!options_.new_ledger) return;
    const auto& s = active_->settings;
    const auto now = now_unix();
    const std::string detail =
        "gpwatchd was started with --new-ledger on " + state_dir_ + "; " +
        (opening.set_aside.empty() ? "there was no ledger before." : "the old ledger is kept as " + opening.set_aside + ".");
    const std::string body = "HIGH: gpwatchd started on a new ledger.\n\nWhat:     " + detail + "\nWhere:    gpwatchd at " +
                             s.practice_name + " (" + s.practice_ods + ")\n\nWhat to do: " +
                             alerts::internal_what_to_do(alerts::condition::new_ledger) +
                             "\n\n--\ngpwatch internal alert (new_ledger)\n";
    DeliveryLedger deliveries(*ledger_);
    ledger_->begin();
    const auto id = deliveries.add_internal_alert(alerts::condition::new_ledger, Severity::high,
                                                  "[HIGH] gpwatch: started on a new ledger", body, now,
                                                  opening.highest_alert_id_seen + 1);
    ledger_->commit();
    spdlog::warn("internal alert {} raised: new_ledger: {}", id, detail);
}

// --accept-rewound-ledger on a ledger that was behind: one internal alert saying what may be
// lost, with an id above every alert handed out before, so no sink is given an id twice.
void Daemon::note_rewound_ledger(const LedgerOpening& opening) {
    if (opening.rewound.empty()) return;
    const auto& s = active_->settings;
    const std::string detail = "gpwatchd was started with --accept-rewound-ledger on " + state_dir_ +
                               "/ledger.sqlite, which was behind what gpwatchd had already relied on: " +
                               opening.rewound + ".";
    const std::string body = "HIGH: gpwatchd carries on with a ledger that went back.\n\nWhat:     " + detail +
                             "\nWhere:    gpwatchd at " + s.practice_name + " (" + s.practice_ods + ")\n\nWhat to do: " +
                             alerts::internal_what_to_do(alerts::condition::ledger_rewound) +
                             "\n\n--\ngpwatch internal alert (ledger_rewound)\n";
    DeliveryLedger deliveries(*ledger_);
    ledger_->begin();
    const auto id = deliveries.add_internal_alert(alerts::condition::ledger_rewound, Severity::high,
                                                  "[HIGH] gpwatch: the ledger went back; something may be lost", body,
                                                  now_unix(), opening.highest_alert_id_seen + 1);
    ledger_->commit();
    spdlog::warn("internal alert {} raised: ledger_rewound: {}", id, opening.rewound);
}

bool Daemon::record_high_water() {
    try {
        // The MESH count kept here: counting the table each commit would read all of it.
        high_water_.advance({ledger_->identity(), ledger_->cursor(Feed::clinical), mesh_messages_,
                             ledger_->highest_alert_id()});
        return true;
    } catch (const std::exception& e) {
        ledger_failed(std::string("cannot record how far the ledger got: ") + e.what());
        return false;
    }
}

Daemon::~Daemon() = default;

clinical_feed::FeedClientOptions Daemon::feed_options() const {
    const auto& f = active_->settings.clinical_feed;
    clinical_feed::FeedClientOptions o;
    o.url = f.url;
    o.token = f.token;
    o.ca_file = f.ca_file;
    o.practice = active_->settings.practice_ods;
    o.max_frame_bytes = f.max_frame_bytes;
    o.reconnect_initial = f.reconnect_initial;
    o.reconnect_max = f.reconnect_max;
    return o;
}

void Daemon::start_inlets() {
    start_feed();
    start_mesh();
}

// Stops both inlets; what they handed over and is not committed is simply delivered again by
// the next ones (nothing of it was acknowledged).
void Daemon::stop_inlets() {
    // What they last said, for status while they are stopped: nothing connected or in flight.
    if (feed_) {
        last_feed_ = feed_status();
        last_feed_.connected = false;
    }
    if (mesh_) {
        last_mesh_ = mesh_status();
        last_mesh_.healthy = false;
        last_mesh_.in_flight = 0;
    }
    if (feed_) {
        auto* old = feed_.release();
        old->stop([this, old] { asio::post(ioc_, [old] { delete old; }); });
    }
    if (mesh_) {
        auto* old = mesh_.release();
        old->stop([this, old] { asio::post(ioc_, [old] { delete old; }); });
    }
}

void Daemon::start_feed() {
    if (!active_->settings.clinical_feed.enabled) {
        spdlog::warn("clinical feed: disabled in the settings; not connecting");
        return;
    }
    feed_ = std::make_unique<clinical_feed::ClinicalFeedClient>(
        ioc_.get_executor(), feed_options(), [this](RecordEvent&& ev) { on_event(std::move(ev)); },
        ledger_->cursor(Feed::clinical));
    feed_->start();
}

void Daemon::start_mesh() {
    const auto& m = active_->settings.mesh;
    if (!m.enabled) {
        spdlog::info("mesh: not configured; Update Record messages are not being fetched");
        return;
    }
    mesh_started_at_ = now_unix();
    mesh_ = std::make_unique<MeshInlet>(
        ioc_.get_executor(), active_->settings, [this](RecordEvent&& ev) { on_event(std::move(ev)); },
        [this](const mesh::MeshReport& r) { on_mesh_report(r); });
    spdlog::info("mesh: mailbox {} at {}, polling every {} s", m.mailbox, m.url,
                 std::chrono::duration_cast<std::chrono::seconds>(m.poll_interval).count());
    mesh_->start();
}

void Daemon::restart_mesh_if_changed(const MeshSettings& before) {
    if (!MeshInlet::needs_restart(before, active_->settings.mesh)) return;
    spdlog::info("reload: mesh settings changed; reconnecting to the mailbox");
    if (mesh_) {
        // Messages it handed over and we have not committed yet are simply downloaded again by the
        // new client (nothing was acknowledged), and skipped as replays if they were committed.
        auto* old = mesh_.release();
        old->stop([this, old] { asio::post(ioc_, [old] { delete old; }); });
    }
    if (!ledger_failed_since_) start_mesh();
}

void Daemon::on_mesh_report(const mesh::MeshReport& r) {
    using mesh::MeshEvent;
    switch (r.event) {
        case MeshEvent::recovered:
            spdlog::info("mesh: working again ({})", r.detail);
            delivery_->set_condition(alerts::condition::mesh_credentials_refused, false, Severity::high, "", "",
                                     now_unix());
            break;
        case MeshEvent::credentials_refused:
            spdlog::error("mesh: MESH refused gpwatchd's credentials (HTTP {}): {}. Check mesh.mailbox, the "
                          "password, the shared secret and the client certificate; retrying slowly",
                          r.http_status, r.detail);
            delivery_->set_condition(alerts::condition::mesh_credentials_refused, true, Severity::high,
                                     "MESH refused gpwatchd's credentials",
                                     "HTTP " + std::to_string(r.http_status) + ": " + r.detail, now_unix());
            deliver_alerts();
            break;
        case MeshEvent::message_too_large:
            spdlog::error("mesh: message {} refused: {}; it stays in the MESH inbox", r.message_id, r.detail);
            break;
        case MeshEvent::message_gone:
        case MeshEvent::message_not_found:
        case MeshEvent::ack_not_found:
            spdlog::warn("mesh: message {}: {} (HTTP {})", r.message_id, r.detail, r.http_status);
            break;
        default:
            spdlog::warn("mesh: {} (HTTP {}): {}; retrying with backoff", mesh::to_string(r.event), r.http_status,
                         r.detail);
            break;
    }
}

void Daemon::acknowledge_mesh(const std::vector<RecordEvent>& committed) {
    bool alerted_any = false;
    for (const auto& ev : committed) {
        if (ev.mesh_message_id.empty()) continue;
        if (ev.mesh_report) {
            spdlog::error("mesh: REPORT {}: a MESH message failed ({} {}), about message {}", ev.mesh_message_id,
                          ev.mesh_status_code, ev.mesh_status_description, ev.mesh_linked_message_id);
            // Alerted before it is acknowledged: if this fails, MESH keeps the report and hands it
            // over again (the ledger then skips it as a replay, and this alert is retried).
            const std::string from = ev.sender_mailbox.empty() ? "" : " (report from MESH mailbox " + ev.sender_mailbox + ")";
            const bool alerted = delivery_->raise_event(
                "mesh_report:" + ev.mesh_message_id, alerts::condition::mesh_delivery_report, Severity::high,
                "MESH could not deliver message " + ev.mesh_linked_message_id + from,
                "MESH report " + ev.mesh_message_id + from + ": status " + ev.mesh_status_code + " (" +
                    ev.mesh_status_description + ") about message " + ev.mesh_linked_message_id,
                now_unix());
            if (!alerted) continue;
            alerted_any = true;
        }
        if (mesh_) mesh_->acknowledge(ev.mesh_message_id);
    }
    if (alerted_any) deliver_alerts();
}

int Daemon::run() {
    const auto& s = active_->settings;
    started_at_ = now_unix();
    spdlog::info("gpwatchd starting for {} ({}), state in {}, duty inbox {}, admin inbox {}", s.practice_name,
                 s.practice_ods, state_dir_, s.duty_inbox.maildir, s.admin_inbox.maildir);
    if (s.words.dir.empty())
        spdlog::warn("no word tables found (words_dir, or words/ beside the settings, or /usr/share/gpwatch/words): "
                     "alerts show FHIR resource names and SDS job role codes as they are");
    wait_signals();
    write_status();
    start_inlets();
    // Ready at once: the review clock is rebuilt from the ledger after this, a slice at a time,
    // while the feed catches up; what fell due meanwhile is checked once it is back.
    asio::post(ioc_, [this] {
        if (shutting_down_) return;  // a signal came first: nothing is ready
        arm_watchdog();
        ready_ = true;
        if (ledger_failed_since_) {
            // Up (so the service manager does not restart it into the same full disk), but not
            // watching: the log says so rather than "ready".
            notifier_.ready("up, but the ledger refuses writes: holding back acknowledgements");
            spdlog::warn("gpwatchd up but not watching: the ledger refuses writes ({}); nothing is taken in until "
                         "it takes them again",
                         ledger_error_);
        } else {
            notifier_.ready("watching " + active_->settings.practice_ods + ": putting open writes back on the review clock");
            spdlog::info("gpwatchd ready: feed cursor at seq {}; loading the open writes' deadlines",
                         ledger_->cursor(Feed::clinical));
        }
        write_status();
        arm_status_timer();
        review_->reload_all();
        check_health();
        deliver_alerts();
        // Shortly after start, not at once: the feed first catches up on what it missed.
        if (reporter_) reporter_->start(std::chrono::seconds(5));
    });
    ioc_.run();
    spdlog::info("gpwatchd stopped (exit {})", exit_code_);
    return exit_code_;
}

void Daemon::on_event(RecordEvent&& ev) {
    // The ledger refuses writes: nothing is acknowledged, so the feed and MESH deliver it again.
    if (ledger_failed_since_) return;
    pending_.push_back(std::move(ev));
    if (pending_.size() >= active_->settings.ledger.batch_max_events) {
        flush();
        return;
    }
    if (!flush_armed_) {
        flush_armed_ = true;
        flush_timer_.expires_after(active_->settings.ledger.batch_max_delay);
        flush_timer_.async_wait([this](error_code ec) {
            if (ec) return;
            flush();
        });
    }
}

// Group commit: every pending event in one transaction, then (and only then) ack upstream.
void Daemon::flush() {
    if (flush_armed_) {
        flush_armed_ = false;
        flush_timer_.cancel();
    }
    if (pending_.empty()) return;
    if (ledger_failed_since_) {
        pending_.clear();
        return;
    }
    IngestResult result;
    try {
        result = ingest_->apply(*active_, pending_, now_unix());
        mesh_messages_ += result.mesh_messages_recorded;
    } catch (const std::exception& e) {
        // Nothing of the batch is durable and nothing was acknowledged: upstream delivers it again.
        pending_.clear();
        ledger_failed(std::string("cannot commit to the ledger: ") + e.what());
        return;
    }
    // Committed; before MESH or the feed is told so, the high-water record is (a ledger found
    // behind it later has lost what they no longer hold). Not recorded: nothing is acknowledged,
    // and what was committed comes again as replays.
    if (!record_high_water()) {
        pending_.clear();
        return;
    }
    acknowledge_mesh(pending_);
    pending_.clear();
    for (auto id : result.closed) review_->cancel(id);
    for (auto [id, deadline] : result.deadlines) review_->schedule(id, deadline);
    if (feed_ && result.durable_seq) feed_->acknowledge(result.durable_seq);
    if (!result.deadlines.empty()) review_->wake();
    if (result.alerts_created) deliver_alerts();
}

void Daemon::request_delivery_round() {
    if (delivery_round_posted_ || shutting_down_) return;
    delivery_round_posted_ = true;
    asio::post(ioc_, [this] {
        delivery_round_posted_ = false;
        deliver_alerts();
    });
}

void Daemon::deliver_alerts() {
    if (shutting_down_ || ledger_failed_since_) return;
    alerts::OutboxRound round;
    try {
        round = delivery_->deliver(now_unix());
    } catch (const std::exception& e) {
        ledger_failed(std::string("cannot record alert delivery: ") + e.what());
        return;
    }
    // A large batch of new alerts (a catch-up) is routed a slice per turn of the loop.
    if (round.more_to_route) request_delivery_round();
    arm_outbox_timer();
}

void Daemon::arm_outbox_timer() {
    if (shutting_down_) return;
    auto next = delivery_->next_due();
    if (next == 0) return;
    outbox_timer_.expires_at(at_unix(std::max(next, now_unix() + 1)));
    outbox_timer_.async_wait([this](error_code ec) {
        if (ec) return;
        deliver_alerts();
    });
}

void Daemon::check_health() {
    if (shutting_down_) return;
    if (!ledger_failed_since_) {
        try {
            alerts::HealthObservation seen;
            seen.feed_enabled = active_->settings.clinical_feed.enabled;
            seen.feed_connected = feed_ && feed_->connected();
            seen.mesh_enabled = active_->settings.mesh.enabled;
            if (mesh_) {
                seen.mesh_watched_since = mesh_started_at_;
                seen.mesh_last_success_at = mesh_->client().last_poll_at();
                seen.mesh_last_error = mesh_->client().last_error();
            } else {
                seen.mesh_watched_since = now_unix();  // being restarted (a reload): nothing to judge yet
            }
            delivery_->check_health(seen, now_unix());
        } catch (const std::exception& e) {
            ledger_failed(std::string("cannot record an internal alert: ") + e.what());
        }
        deliver_alerts();
    }
    health_timer_.expires_after(delivery_->health_every());
    health_timer_.async_wait([this](error_code ec) {
        if (ec) return;
        check_health();
    });
}

void Daemon::arm_watchdog() {
    auto period = notifier_.watchdog_period();
    if (period.count() == 0) return;
    notifier_.watchdog();
    watchdog_timer_.expires_after(period);
    watchdog_timer_.async_wait([this](error_code ec) {
        if (ec) return;
        arm_watchdog();  // sent from the event loop: a stuck loop stops the keep-alives
    });
}

void Daemon::ledger_failed(const std::string& what) {
    ledger_error_ = what;
    if (ledger_failed_since_ || shutting_down_) {
        spdlog::error("{}", what);
        return;
    }
    ledger_failed_since_ = now_unix();
    spdlog::critical("{}; holding back every acknowledgement (nothing upstream is lost) and trying the ledger "
                     "again every {} s",
                     what, kLedgerProbeEvery.count());
    pending_.clear();
    stop_inlets();
    review_->stop();
    notifier_.status("degraded: the ledger refuses writes (" + what + ")");
    delivery_->tell_without_ledger(alerts::condition::ledger_write_failed,
                                   "the ledger cannot be written; gpwatchd is holding back",
                                   what + ". gpwatchd stays up and acknowledges nothing until the ledger takes "
                                          "writes again; nothing upstream is lost.",
                                   ledger_failed_since_);
    write_status();
    arm_probe();
}

void Daemon::arm_probe() {
    probe_timer_.expires_after(kLedgerProbeEvery);
    probe_timer_.async_wait([this](error_code ec) {
        if (!ec) probe_ledger();
    });
}

void Daemon::probe_ledger() {
    if (shutting_down_ || !ledger_failed_since_) return;
    std::string why;
    const auto now = now_unix();
    bool writable = ledger_->probe_write(now, why);
    if (writable) {
        // The high-water record beside it must take writes too (its own file: a full disk may
        // still leave SQLite room in its write-ahead log, not a new file).
        try {
            high_water_.rewrite();
        } catch (const std::exception& e) {
            writable = false;
            why = e.what();
        }
    }
    if (!writable) {
        ledger_error_ = why;
        delivery_->tell_untold(now);
        write_status();
        arm_probe();
        return;
    }
    const auto since = ledger_failed_since_;
    const std::string last_error = ledger_error_;
    // Recorded now that it can be: one alert for the whole episode. If even that fails, the
    // ledger is not back: keep holding.
    const auto& zone = active_->settings.calendar.time_zone;
    const bool recorded = delivery_->raise_event(
        "ledger_write_failed:" + std::to_string(since), alerts::condition::ledger_write_failed, Severity::high,
        "the ledger could not be written for " + std::to_string((now - since + 59) / 60) + " min",
        "from " + alerts::local_time_words(zone, since) + " to " + alerts::local_time_words(zone, now) +
            " the ledger refused writes (" + last_error +
            "). Nothing was lost: no acknowledgement went upstream meanwhile, and the feed and MESH resumed from the "
            "last commit.",
        now);
    if (!recorded) {
        arm_probe();
        return;
    }
    ledger_failed_since_ = 0;
    ledger_error_.clear();
    delivery_->ledger_back();
    spdlog::warn("the ledger takes writes again after {} s; resuming from the last commit", now - since);
    start_inlets();
    deadlines_loaded_ = false;
    review_->reload_all();
    notifier_.status("watching " + active_->settings.practice_ods);
    write_status();
    deliver_alerts();
}

void Daemon::wait_signals() {
    signals_.async_wait([this](error_code ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
            reload();
            wait_signals();
            return;
        }
        begin_shutdown(signo == SIGTERM ? "SIGTERM" : "SIGINT");
        wait_signals();
    });
}

void Daemon::reload() {
    notifier_.reloading();
    spdlog::info("reload: reading {}", options_.config_path);
    auto load = load_settings_file(options_.config_path);
    for (const auto& w : load.warnings) spdlog::warn("reload: {}", w.to_string());
    if (!load.settings) {
        for (const auto& e : load.errors) spdlog::error("reload refused: {}", e.to_string());
        spdlog::error("reload refused: {} error(s) in {}; the previous settings stay in force",
                      load.errors.size(), options_.config_path);
        delivery_->reload_refused(std::to_string(load.errors.size()) + " error(s) in " + options_.config_path +
                                      (load.errors.empty() ? "" : ", first: " + load.errors.front().to_string()),
                                  now_unix());
        deliver_alerts();
        notifier_.ready("reload refused; previous settings in force");
        return;
    }
    Settings next = std::move(*load.settings);
    if (options_.state_dir_override) next = with_state_dir(std::move(next), *options_.state_dir_override);
    // The ledger, key and inboxes are opened once: changing where they are needs a restart. Say so
    // rather than ignore it.
    if (next.state_dir != active_->settings.state_dir)
        spdlog::warn("reload: state_dir changed to {}; this takes effect only at the next start", next.state_dir);
    for (auto [now_inbox, next_inbox, name] :
         {std::tuple{&active_->settings.duty_inbox, &next.duty_inbox, "duty_inbox"},
          std::tuple{&active_->settings.admin_inbox, &next.admin_inbox, "admin_inbox"}}) {
        if (*next_inbox != *now_inbox)
            spdlog::warn("reload: {} changed; this takes effect only at the next start", name);
        *next_inbox = *now_inbox;
    }
    next.state_dir = active_->settings.state_dir;

    std::shared_ptr<const ActiveSettings> candidate;
    try {
        candidate = std::make_shared<const ActiveSettings>(std::move(next));
    } catch (const std::exception& e) {
        spdlog::error("reload refused: {}; the previous settings stay in force", e.what());
        delivery_->reload_refused(e.what(), now_unix());
        deliver_alerts();
        notifier_.ready("reload refused; previous settings in force");
        return;
    }
    flush();  // events already received are judged under the settings they arrived under
    const ClinicalFeedSettings old_feed = active_->settings.clinical_feed;
    const std::string old_practice = active_->settings.practice_ods;
    const MeshSettings old_mesh = active_->settings.mesh;
    active_ = candidate;
    if (!ledger_failed_since_) {
        deadlines_loaded_ = false;
        review_->reload_all();  // every open write's deadline under the new settings, in slices
    }
    if (old_feed != active_->settings.clinical_feed || old_practice != active_->settings.practice_ods) {
        spdlog::info("reload: clinical feed settings changed; reconnecting");
        if (feed_) {
            auto* old = feed_.release();
            old->stop([this, old] { asio::post(ioc_, [old] { delete old; }); });
        }
        if (!ledger_failed_since_) start_feed();
    }
    restart_mesh_if_changed(old_mesh);
    delivery_->reconfigure(active_->settings);
    if (reporter_) reporter_->reconfigure(active_->settings);
    else if (active_->settings.reporting.enabled)
        spdlog::warn("reload: a reporting: section was added; LMC reporting starts at the next start");
    delivery_->reload_accepted(now_unix());
    deliver_alerts();
    spdlog::info("reload: settings from {} in force; the open writes' deadlines are being recomputed",
                 options_.config_path);
    notifier_.ready("watching " + active_->settings.practice_ods);
}

void Daemon::begin_shutdown(const char* why) {
    if (shutting_down_) return;
    shutting_down_ = true;
    notifier_.stopping();
    spdlog::info("{}: draining", why);
    write_status();
    // If draining stalls (a hung peer, a slow disk), stop anyway well inside systemd's timeout.
    const auto guard_at = std::chrono::steady_clock::now() + kShutdownGuard;
    shutdown_guard_.expires_at(guard_at);
    shutdown_guard_.async_wait([this](error_code ec) {
        if (ec) return;
        spdlog::warn("drain took too long; stopping now (nothing unacknowledged is lost)");
        delivery_->stop(std::chrono::milliseconds(0));  // so an abandoned sink thread is known at exit
        ioc_.stop();
    });
    auto stop_all = [this] {
        // Deliveries still in flight are abandoned: pending in the ledger, they go after the
        // restart (sinks are idempotent on the alert id). A stalled sink cannot hold us here.
        delivery_->stop(kSinkGrace);
        review_->stop();
        flush_timer_.cancel();
        outbox_timer_.cancel();
        health_timer_.cancel();
        watchdog_timer_.cancel();
        status_timer_.cancel();
        probe_timer_.cancel();
        if (reporter_) reporter_->stop();  // an upload in progress stays pending for the next start
        shutdown_guard_.cancel();
        signals_.cancel();
        feed_.reset();
        mesh_.reset();
        write_status();
    };
    auto finish = [this, stop_all, guard_at] {
        flush();
        // Within the guard, leaving the sinks' grace and a margin.
        const auto until = std::min(std::chrono::steady_clock::now() + kDeliveryDrain,
                                    guard_at - kSinkGrace - std::chrono::milliseconds(500));
        drain_deliveries(until, stop_all);
    };
    // Both inlets stop before the last commit; what they handed over is committed by finish().
    auto pending_stops = std::make_shared<int>((feed_ ? 1 : 0) + (mesh_ ? 1 : 0));
    auto one_stopped = [this, finish, pending_stops] {
        if (--*pending_stops == 0) asio::post(ioc_, finish);
    };
    // Posted, not called: the signal handler that called us re-arms its wait after we return, and
    // finish() must come after that to cancel it (else, with no inlet, the loop never empties).
    if (*pending_stops == 0) asio::post(ioc_, finish);
    if (feed_) feed_->stop(one_stopped);
    if (mesh_) mesh_->stop(one_stopped);
}

void Daemon::drain_deliveries(std::chrono::steady_clock::time_point until, std::function<void()> then) {
    // A round hands what is due to the sinks that are free; results come back on this loop and
    // are recorded. Again every 50 ms while some sink is still delivering and time is left.
    if (!ledger_failed_since_) {
        try {
            delivery_->deliver(now_unix());
        } catch (const std::exception& e) {
            spdlog::error("stopping: cannot hand over the last alerts: {} (they go after the restart)", e.what());
        }
    }
    if (std::chrono::steady_clock::now() >= until || !delivery_->delivering()) {
        then();
        return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(50));
    drain_timer_.async_wait([this, until, then = std::move(then)](error_code ec) {
        if (!ec) drain_deliveries(until, then);
    });
}

}  // namespace gpwatch
