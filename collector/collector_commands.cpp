#include "collector/collector_commands.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>
#include <date/date.h>
#include <date/tz.h>

#include "collector/csv_export.hpp"
#include "collector/report_store_factory.hpp"
#include "collector/web_routes.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch::collector {

namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string utc_text(std::int64_t t) {
    return date::format("%FT%TZ", date::sys_seconds{std::chrono::seconds{t}});
}

bool valid_ods(const std::string& ods) {
    return ods.size() >= 3 && ods.size() <= 10 &&
           std::all_of(ods.begin(), ods.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

}  // namespace

int run_register(const CollectorSettings& settings, const CliOptions& options) {
    if (!valid_ods(options.ods)) {
        std::cerr << "gpwatch-collector register: '" << options.ods
                  << "' is not an ODS code (3 to 10 upper-case letters and digits, e.g. A81001)\n";
        return 2;
    }
    std::ifstream in(options.public_key);
    if (!in) {
        std::cerr << "gpwatch-collector register: cannot read " << options.public_key << "\n";
        return 2;
    }
    std::stringstream pem;
    pem << in.rdbuf();
    std::string key_id, normalised;
    try {
        const auto key = reporting::VerifyKey::from_pem(pem.str());
        key_id = key.key_id();
        normalised = key.public_key_pem();
    } catch (const reporting::KeyError& e) {
        std::cerr << "gpwatch-collector register: " << options.public_key << ": " << e.what()
                  << " (expected an Ed25519 public key in PEM, e.g. from `openssl pkey -pubout`)\n";
        return 2;
    }
    try {
        auto store = open_report_store(settings.storage);
        switch (store->register_practice({options.ods, normalised, key_id, now_seconds()}, options.replace)) {
        case RegisterOutcome::registered:
            std::cout << "registered " << options.ods << " with key " << key_id << "\n";
            return 0;
        case RegisterOutcome::replaced:
            std::cout << "replaced the key of " << options.ods << " with " << key_id << "\n";
            return 0;
        case RegisterOutcome::unchanged:
            std::cout << options.ods << " is already registered with key " << key_id << "\n";
            return 0;
        case RegisterOutcome::exists_with_other_key: {
            const auto existing = store->practice(options.ods);
            std::cerr << "gpwatch-collector register: " << options.ods << " is registered with another key ("
                      << (existing ? existing->key_id : "?") << "); add --replace to replace it with " << key_id << "\n";
            return 1;
        }
        }
    } catch (const StoreError& e) {
        std::cerr << "gpwatch-collector register: " << e.what() << "\n";
        return 1;
    }
    return 1;
}

int run_practices(const CollectorSettings& settings, const CliOptions& options) {
    std::vector<PracticeRecord> practices;
    try {
        practices = open_report_store(settings.storage)->practices();
    } catch (const StoreError& e) {
        std::cerr << "gpwatch-collector practices: " << e.what() << "\n";
        return 1;
    }
    if (options.json) {
        boost::json::array out;
        for (const auto& p : practices)
            out.push_back(boost::json::object{{"ods", p.ods}, {"key_id", p.key_id}, {"registered_at", utc_text(p.registered_at)}});
        std::cout << boost::json::serialize(out) << "\n";
        return 0;
    }
    if (practices.empty()) {
        std::cout << "no practices registered\n";
        return 0;
    }
    for (const auto& p : practices) std::cout << p.ods << "  " << p.key_id << "  registered " << utc_text(p.registered_at) << "\n";
    return 0;
}

int run_export_csv(const CollectorSettings& settings, const CliOptions& options) {
    try {
        auto store = open_report_store(settings.storage);
        const auto t = counts_for(*store, options.from, options.to, now_seconds(), date::locate_zone(settings.time_zone));
        if (!t.error.empty()) {
            std::cerr << "gpwatch-collector export-csv: " << t.error << "\n";
            return 2;
        }
        std::cout << csv_export(t.table);
        return std::cout.good() ? 0 : 1;
    } catch (const StoreError& e) {
        std::cerr << "gpwatch-collector export-csv: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace gpwatch::collector
