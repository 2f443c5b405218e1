// Wiring of `gpwatch-sim clinical`: options → certificates → event log → server → traffic clock
// → run until SIGINT/SIGTERM.

#include "sim/clinical/clinical_sim.hpp"

#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/spdlog.h>

#include "sim/common/cert_maker.hpp"
#include "sim/clinical/clinical_options.hpp"
#include "sim/clinical/clinical_sim_server.hpp"
#include "sim/clinical/clinical_traffic.hpp"
#include "sim/clinical/event_log.hpp"
#include "sim/common/journal.hpp"
#include "sim/clinical/mesh_journal_follower.hpp"
#include "sim/common/sim_runtime.hpp"
#include "sim/clinical/task_inbox.hpp"
#include "sim/clinical/traffic_clock.hpp"

namespace gpwatch::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kRetainedEvents = 100000;
constexpr std::chrono::milliseconds kUpdateRecordPoll{250};  // how often the MESH journal is read

}  // namespace

int run_clinical(const std::vector<std::string>& args) {
    ClinicalOptions options;
    if (const auto code = parse_or_exit("clinical", args, parse_clinical_options, clinical_usage(), options))
        return *code;
    start_sim_logging();
    const std::uint64_t seed = choose_seed(options.seed);
    try {
        // TLS first: the CA file must be in place before anyone can connect.
        asio::ssl::context tls(asio::ssl::context::tls_server);
        tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
        std::string trust_note;
        std::string ca_pem;  // written once the port is ours, so a failed start leaves the old file alone
        if (!options.cert_file.empty()) {
            boost::system::error_code ec;
            if (tls.use_certificate_chain_file(options.cert_file, ec); ec)
                throw std::runtime_error("--cert " + options.cert_file + ": " + ec.message());
            if (tls.use_private_key_file(options.key_file, asio::ssl::context::pem, ec); ec)
                throw std::runtime_error("--key " + options.key_file + ": " + ec.message());
            trust_note = "cert: " + options.cert_file;
        } else {
            const CertBundle certs = make_ca_and_server_cert();
            tls.use_certificate_chain(asio::buffer(certs.server_cert_pem));
            tls.use_private_key(asio::buffer(certs.server_key_pem), asio::ssl::context::pem);
            ca_pem = certs.ca_cert_pem;
            trust_note = "ca: " + options.cert_dir + "/ca.pem";
        }

        std::unique_ptr<Journal> journal;
        if (!options.journal.empty()) journal = std::make_unique<Journal>(options.journal);
        ClinicalEventLog log(options.practice, kRetainedEvents, journal.get());
        TaskInbox tasks(options.practice, journal.get());
        ClinicalTraffic traffic({options.practice, options.rate, options.review_min, options.review_max, seed});

        // Declared after everything its pending handlers refer to, so it is destroyed first.
        asio::io_context ioc(1);
        ClinicalServerSettings server_settings;
        server_settings.token = options.token;
        server_settings.session.practice = options.practice;
        server_settings.session.heartbeat = std::chrono::duration<double>(options.heartbeat);
        server_settings.session.chaos = options.chaos;
        ClinicalSimServer server(ioc, tls, log, tasks, server_settings);
        const tcp::endpoint endpoint = bind_server(server, options.listen_host, options.listen_port);
        // Bound but not yet listening: nobody can connect before the client's CA file exists.
        if (!ca_pem.empty()) write_file_atomic(options.cert_dir + "/ca.pem", ca_pem);

        TrafficClock clock(ioc, traffic, log, options.rate, options.count,
                           std::chrono::duration_cast<std::chrono::seconds>(options.backdate), [&] {
            say("gpwatch-sim clinical: all " + std::to_string(options.count) + " events generated");
        }, options.lying_times);

        // --update-records: the Update Records the MESH simulator delivers reach the workflow queue.
        std::optional<MeshJournalFollower> update_records;
        if (!options.update_records.empty())
            update_records.emplace(ioc, options.update_records, kUpdateRecordPoll, [&](const std::string& id) {
                if (traffic.review_update_record(id)) spdlog::debug("clinical sim: Update Record {} in the workflow queue", id);
            });

        StopOnSignal stop_on_signal(ioc, "clinical sim", [&] {
            clock.stop();
            if (update_records) update_records->stop();
            server.stop();
        });

        server.start();
        clock.start();
        if (update_records) update_records->start();
        say("gpwatch-sim clinical: listening on wss://" + url_host(options.listen_host) + ":" +
            std::to_string(endpoint.port()) + "/feed (" + trust_note + ", seed " + std::to_string(seed) + ")");
        spdlog::info("clinical sim: practice {}, rate {}/s, count {}, heartbeat {} s, review delay {}–{} s{}{}",
                     options.practice, options.rate, options.count, options.heartbeat, options.review_min,
                     options.review_max, options.chaos ? ", chaos on" : "",
                     options.update_records.empty() ? "" : ", Update Records from " + options.update_records);
        ioc.run();
        spdlog::info("clinical sim: stopped after {} events (highest ack {})", log.latest_seq(), log.highest_ack());
        return 0;
    } catch (const std::exception& e) {
        return start_failed("clinical", e);
    }
}

}  // namespace gpwatch::sim
