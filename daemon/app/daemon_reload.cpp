// Daemon: SIGHUP. The settings file is read and validated first; a file with errors is refused
// and the settings in force stay. Accepted settings take over for new events, every open write's
// deadline is recomputed, and inlets whose settings changed are rebuilt.

#include <tuple>

#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"
#include "daemon/app/daemon_clock.hpp"
#include "daemon/settings/settings_loader.hpp"

namespace gpwatch {

using daemon_clock::now_unix;

void Daemon::reload() {
    // Stopping already: the inlets are being stopped for good, and rebuilding one now would take
    // over its stop callback, so the last commit would never run.
    if (shutting_down_) {
        spdlog::info("reload: ignored while stopping");
        return;
    }
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
    const auto previous = active_;
    active_ = candidate;
    if (!ledger_failed_since_) {
        deadlines_loaded_ = false;
        review_->reload_all();  // every open write's deadline under the new settings, in slices
    }
    // An inlet built from settings that changed is rebuilt. What the old one handed over and is
    // not committed yet is simply delivered again by the new one (nothing was acknowledged), and
    // skipped as a replay if it was committed.
    for (auto& slot : inlets_) {
        if (!slot.kind->needs_restart(previous->settings, active_->settings)) continue;
        spdlog::info("reload: {}", slot.kind->restart_note);
        if (slot.inlet) stop_inlet(slot);
        if (!ledger_failed_since_) start_inlet(slot);
    }
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

}  // namespace gpwatch
