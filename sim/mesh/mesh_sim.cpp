// Wiring of `gpwatch-sim mesh`: options → certificates → mailbox → server → arrival clock → run
// until SIGINT/SIGTERM (exit 0).

#include "sim/mesh/mesh_sim.hpp"

#include <filesystem>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "sim/common/cert_maker.hpp"  // write_file_atomic
#include "sim/common/journal.hpp"
#include "sim/mesh/fixture_messages.hpp"
#include "sim/mesh/mesh_certs.hpp"
#include "sim/mesh/mesh_mailbox.hpp"
#include "sim/mesh/mesh_options.hpp"
#include "sim/mesh/mesh_sim_server.hpp"
#include "sim/common/sim_runtime.hpp"
#include "sim/mesh/update_record_generator.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Puts the next generated message in the inbox every 1/rate seconds until `count` arrived.
asio::awaitable<void> arrivals(asio::steady_timer& timer, UpdateRecordGenerator& generator, MeshMailbox& mailbox,
                               const MeshOptions& options, bool& stopped) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const std::chrono::duration<double> period(1.0 / options.rate);
    for (std::uint64_t n = 1; !stopped && (options.count == 0 || n <= options.count); ++n) {
        // Deadlines count from the start, so the rate does not drift with scheduling delays.
        timer.expires_at(start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(n)));
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec || stopped) co_return;
        GeneratedMessage message = generator.next(std::chrono::system_clock::now() - options.backdate);
        const std::string id = message.mesh_id;
        // Before delivery: whoever reads the copy may rely on it existing once the message can be fetched.
        if (!options.keep_bodies_dir.empty() && message.message_type == "DATA")
            write_file_atomic(options.keep_bodies_dir + "/" + id, message.body);
        if (!mailbox.deliver(std::move(message))) {
            spdlog::warn("mesh sim: inbox full, message {} not delivered", id);
            continue;
        }
        spdlog::debug("mesh sim: delivered {}", id);
    }
    if (!stopped) say("gpwatch-sim mesh: all " + std::to_string(options.count) + " messages delivered");
}

}  // namespace

int run_mesh(const std::vector<std::string>& args) {
    MeshOptions options;
    if (const auto code = parse_or_exit("mesh", args, parse_mesh_options, mesh_usage(), options)) return *code;
    if (!options.write_fixtures_dir.empty()) {
        try {
            std::filesystem::create_directories(options.write_fixtures_dir);
            const auto written = write_fixture_messages(options.write_fixtures_dir);
            say("gpwatch-sim mesh: wrote " + std::to_string(written.size()) + " files to " + options.write_fixtures_dir);
            return 0;
        } catch (const std::exception& e) {
            return start_failed("mesh", e);
        }
    }
    start_sim_logging();
    const std::uint64_t seed = choose_seed(options.seed);
    try {
        const MeshTlsFiles files = ensure_mesh_certificates(options.state_dir, options.mailbox);
        asio::ssl::context tls(asio::ssl::context::tls_server);
        configure_mesh_tls(tls, files.server_cert, files.server_key, files.ca_cert);

        if (!options.keep_bodies_dir.empty()) std::filesystem::create_directories(options.keep_bodies_dir);
        std::unique_ptr<Journal> journal;
        if (!options.journal.empty()) journal = std::make_unique<Journal>(options.journal);
        MeshMailbox mailbox(options.expire_after, journal.get());
        UpdateRecordGenerator generator(seed, options.mailbox);

        // Declared after everything its pending handlers refer to, so it is destroyed first.
        asio::io_context ioc(1);
        MeshServerSettings settings;
        settings.credentials = {options.mailbox, options.password, options.shared_secret};
        settings.chaos = options.chaos;
        settings.chaos_seed = seed ^ 0x9e3779b97f4a7c15ULL;
        MeshSimServer server(ioc, tls, mailbox, settings);
        const tcp::endpoint endpoint = bind_server(server, options.listen_host, options.listen_port);

        bool stopped = false;
        asio::steady_timer arrival_timer(ioc);
        StopOnSignal stop_on_signal(ioc, "mesh sim", [&] {
            stopped = true;
            arrival_timer.cancel();
            server.stop();
        });

        server.start();
        asio::co_spawn(ioc, arrivals(arrival_timer, generator, mailbox, options, stopped),
                       asio::detached);
        say("gpwatch-sim mesh: listening on https://" + url_host(options.listen_host) + ":" +
            std::to_string(endpoint.port()) + "/messageexchange/" + options.mailbox + " (ca: " + files.ca_cert +
            ", client cert: " + files.client_cert + ", client key: " + files.client_key +
            (files.made ? ", made now" : ", reused") + ", seed " + std::to_string(seed) + ")");
        spdlog::info("mesh sim: mailbox {}, rate {}/s, count {}, expiry after {} ms{}", options.mailbox, options.rate,
                     options.count, options.expire_after.count(), options.chaos ? ", chaos on" : "");
        ioc.run();
        spdlog::info("mesh sim: stopped after {} messages delivered, {} acknowledged", mailbox.delivered_count(),
                     mailbox.acknowledged_count());
        return 0;
    } catch (const std::exception& e) {
        return start_failed("mesh", e);
    }
}

}  // namespace gpwatch::sim
