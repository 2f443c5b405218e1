#include "daemon/app/start_checks.hpp"

#include <exception>
#include <filesystem>
#include <string>

#include "connectors/curl/secret_file.hpp"
#include "connectors/tls/client_context.hpp"
#include "daemon/alerts/sink_registry.hpp"
#include "daemon/app/lmc_reporter.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch {

namespace {

namespace fs = std::filesystem;

class Problems {
public:
    explicit Problems(const Settings& s) : file_(s.source_file) {}

    void add(const std::string& setting, const std::string& message) {
        out_.push_back({file_, 0, 0, setting, message});
    }
    // Runs `check`; what it throws is a problem with `setting`.
    template <class Check>
    void run(const std::string& setting, Check check) {
        try {
            check();
        } catch (const std::exception& e) {
            add(setting, e.what());
        }
    }
    void secret(const std::string& setting, const std::string& reference) {
        if (reference.empty()) return;
        std::string error;
        if (!curl::read_secret_file(reference, error)) add(setting, error);
    }
    std::vector<SettingsError> take() { return std::move(out_); }

private:
    std::string file_;
    std::vector<SettingsError> out_;
};

}  // namespace

std::vector<SettingsError> start_problems(const Settings& s) {
    Problems p(s);

    // The feed and MESH read their certificates at each connection; a file not there yet (the
    // simulators write theirs at start) is the loader's warning, and one that is there must parse.
    const auto there = [](const std::string& f) {
        std::error_code ec;
        return f.empty() || fs::exists(f, ec);
    };
    if (s.clinical_feed.enabled && !s.clinical_feed.ca_file.empty() && there(s.clinical_feed.ca_file))
        p.run("clinical_feed.ca_file", [&] { (void)tls::make_client_context(s.clinical_feed.ca_file); });
    const auto& m = s.mesh;
    if (m.enabled && there(m.ca_file) && there(m.client_cert_file) && there(m.client_key_file))
        p.run("mesh", [&] { (void)tls::make_client_context(m.ca_file, m.client_cert_file, m.client_key_file); });

    if (s.reporting.enabled) {
        p.run("reporting.signing_key_file",
              [&] { (void)reporting::SigningKey::load_pem_file(s.reporting.signing_key_file); });
        p.run("reporting.upload", [&] { (void)make_lmc_uploader(s.reporting); });
        if (const auto& up = s.reporting.upload; up && !up->client_cert_file.empty())
            p.run("reporting.upload", [&] {
                (void)tls::make_client_context(up->ca_file, up->client_cert_file, up->client_key_file);
            });
    }

    // The sinks as start builds them, but for Maildir sinks, whose constructor creates folders.
    Settings others = s;
    std::erase_if(others.delivery.sinks, [](const SinkSettings& k) { return k.type == SinkType::maildir; });
    p.run("delivery.sinks", [&] { (void)alerts::build_sinks(others); });
    // Sinks read their secrets at each delivery (so a rotated token needs no restart): readable now.
    for (const auto& k : others.delivery.sinks) {
        const std::string at = "delivery.sinks." + k.name;
        p.secret(at + ".password_file", k.password_file);
        p.secret(at + ".oauth2_token_file", k.oauth2_token_file);
        p.secret(at + ".secret_file", k.secret_file);
        p.secret(at + ".token_file", k.token_file);
        if (!k.ca_file.empty()) p.run(at + ".ca_file", [&] { (void)tls::make_client_context(k.ca_file); });
    }
    return p.take();
}

}  // namespace gpwatch
