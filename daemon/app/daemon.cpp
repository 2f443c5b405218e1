#include "daemon/app/daemon.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "daemon/app/daemon_clock.hpp"

namespace gpwatch {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using boost::system::error_code;

using daemon_clock::at_unix;
using daemon_clock::now_unix;

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
    for (const auto& kind : inlet_kinds()) inlets_.push_back({&kind, nullptr, {}});
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

Daemon::~Daemon() = default;

InletContext Daemon::inlet_context() {
    InletContext c;
    c.ex = ioc_.get_executor();
    c.on_event = [this](RecordEvent&& ev) { on_event(std::move(ev)); };
    c.cursor = [this](Feed feed) { return ledger_->cursor(feed); };
    c.set_condition = [this](const std::string& condition, bool on, Severity severity, const std::string& headline,
                             const std::string& detail) {
        delivery_->set_condition(condition, on, severity, headline, detail, now_unix());
    };
    c.raise_event = [this](const std::string& key, const std::string& condition, Severity severity,
                           const std::string& headline, const std::string& detail) {
        return delivery_->raise_event(key, condition, severity, headline, detail, now_unix());
    };
    c.deliver_alerts = [this] { deliver_alerts(); };
    return c;
}

void Daemon::start_inlets() {
    for (auto& slot : inlets_) start_inlet(slot);
}

void Daemon::stop_inlets() {
    // What they last said, for status while they are stopped: nothing connected or in flight.
    for (auto& slot : inlets_) {
        if (!slot.inlet) continue;
        slot.last = slot.inlet->status();
        slot.last.healthy = false;
        slot.last.in_flight = 0;
    }
    for (auto& slot : inlets_)
        if (slot.inlet) stop_inlet(slot);
}

void Daemon::start_inlet(InletSlot& slot) {
    slot.inlet = slot.kind->make(inlet_context(), active_->settings);
    if (slot.inlet) slot.inlet->start();
}

void Daemon::stop_inlet(InletSlot& slot) {
    auto* old = slot.inlet.release();
    old->stop([this, old] { asio::post(ioc_, [old] { delete old; }); });
}

bool Daemon::any_inlet_running() const {
    for (const auto& slot : inlets_)
        if (slot.inlet) return true;
    return false;
}

const Daemon::InletSlot* Daemon::inlet_slot(const std::string& name) const {
    for (const auto& slot : inlets_)
        if (slot.kind->name == name) return &slot;
    return nullptr;
}

InletStatus Daemon::inlet_status(const InletSlot& slot) const {
    return slot.inlet ? slot.inlet->status() : slot.last;
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
            const auto* feed = inlet_slot("clinical_feed");
            seen.feed_connected = feed && feed->inlet && feed->inlet->healthy();
            seen.mesh_enabled = active_->settings.mesh.enabled;
            if (const auto* mesh = inlet_slot("mesh"); mesh && mesh->inlet) {
                const auto st = mesh->inlet->status();
                seen.mesh_watched_since = st.watched_since;
                seen.mesh_last_success_at = st.last_success_at;
                seen.mesh_last_error = st.last_error;
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

}  // namespace gpwatch
