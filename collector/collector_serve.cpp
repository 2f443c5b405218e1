#include "collector/collector_serve.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <functional>
#include <memory>
#include <optional>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <date/tz.h>
#include <spdlog/spdlog.h>

#include "collector/collector_tls.hpp"
#include "collector/https_server.hpp"
#include "collector/report_store_factory.hpp"
#include "collector/upload_capture.hpp"
#include "collector/upload_route.hpp"
#include "collector/web_routes.hpp"

namespace gpwatch::collector {

namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_port(const boost::asio::ip::tcp::endpoint& ep) {
    const std::string host = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
}

// One line on stdout, flushed at once: tests and scripts wait for it.
void say(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// The number of descriptors the process may open, raised first from the soft limit to the hard
// one. Why: the soft limit is 1,024 by default, an accident of history (select()'s FD_SETSIZE)
// that matters nothing to an epoll server; the hard limit is what the admin (or the unit's
// LimitNOFILE=) meant to allow. The listeners' caps are then sized from it, so that connections
// can never use up the descriptors the database and the listeners need.
std::uint64_t raise_descriptor_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        spdlog::warn("cannot read the descriptor limit (RLIMIT_NOFILE); assuming 1024");
        return 1024;
    }
    const rlim_t before = lim.rlim_cur;
    if (lim.rlim_cur != lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            lim = raised;
        else
            spdlog::warn("cannot raise the descriptor limit from {} to {}", before, lim.rlim_max);
    }
    const std::uint64_t limit = lim.rlim_cur == RLIM_INFINITY ? 1u << 20 : static_cast<std::uint64_t>(lim.rlim_cur);
    if (lim.rlim_cur != before)
        spdlog::info("descriptor limit raised from {} to {} (the hard limit)", before, limit);
    else
        spdlog::info("descriptor limit {}", limit);
    return limit;
}

}  // namespace

int run_serve(const CollectorSettings& settings, const std::string& capture_dir) {
    std::unique_ptr<ReportStore> store;
    std::optional<UploadCapture> capture;
    boost::asio::io_context ioc;
    std::optional<boost::asio::ssl::context> upload_tls, web_tls;
    try {
        store = open_report_store(settings.storage);
        if (!capture_dir.empty()) capture.emplace(capture_dir);
        upload_tls.emplace(make_upload_tls(settings.upload));
        web_tls.emplace(make_web_tls(settings.web));
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        std::cerr << "gpwatch-collector serve: " << e.what() << "\n";
        return 1;
    }
    const date::time_zone* zone = date::locate_zone(settings.time_zone);

    const ServerLimits limits = limits_for_descriptors(raise_descriptor_limit());

    UploadRoute upload_route(*store, IntakeLimits{settings.limits.max_report_bytes, settings.limits.max_clock_skew},
                             zone, now_seconds);
    WebRoutes web_routes(*store, zone, now_seconds);

    ListenerOptions upload_options;
    upload_options.name = "upload";
    upload_options.limits = limits.upload;
    upload_options.body_limit = settings.limits.max_report_bytes;
    upload_options.handler = [&](const HttpAsk& ask) { return upload_route.answer(ask); };
    upload_options.too_large = [&](const std::string& peer) { return upload_route.too_large(peer); };
    if (capture) upload_options.capture = [&](std::string_view raw) { capture->save(raw); };
    HttpsServer upload_server(ioc, *upload_tls, std::move(upload_options));

    ListenerOptions web_options;
    web_options.name = "web";
    web_options.limits = limits.web;
    web_options.body_limit = 1024;  // the page's routes are all GETs
    web_options.handler = [&](const HttpAsk& ask) { return web_routes.answer(ask); };
    HttpsServer web_server(ioc, *web_tls, std::move(web_options));

    try {
        const auto up = upload_server.bind(settings.upload.listen.host, settings.upload.listen.port);
        const auto web = web_server.bind(settings.web.listen.host, settings.web.listen.port);
        upload_server.start();
        web_server.start();
        spdlog::info("listening upload={} (mutual TLS), web={}", host_port(up), host_port(web));
        say("listening upload=" + host_port(up));
        say("listening web=" + host_port(web));
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        std::cerr << "gpwatch-collector serve: " << e.what() << "\n";
        return 1;
    }

    // Graceful first: no new connections, requests in progress answered; once every connection
    // has ended run() returns by itself, and after 5 s it is made to.
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    boost::asio::steady_timer force_stop(ioc);
    boost::asio::steady_timer idle_check(ioc);
    std::function<void()> watch_idle = [&] {
        idle_check.expires_after(std::chrono::milliseconds(50));
        idle_check.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            if (upload_server.idle() && web_server.idle())
                force_stop.cancel();
            else
                watch_idle();
        });
    };
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        spdlog::info("signal {}, stopping", signo);
        upload_server.stop();
        web_server.stop();
        force_stop.expires_after(std::chrono::seconds(5));
        force_stop.async_wait([&](const boost::system::error_code& tec) {
            if (tec) return;  // cancelled: everything ended in time
            spdlog::warn("connections still open after 5 s; stopping anyway");
            ioc.stop();
        });
        watch_idle();
    });
    ioc.run();
    spdlog::info("stopped");
    return 0;
}

}  // namespace gpwatch::collector
