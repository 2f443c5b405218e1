// gpwatch-collector: the LMC's collector of signed, anonymised incident counts. Wiring only:
// parse the command line, load the settings, run the command.

#include <iostream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "collector/collector_cli.hpp"
#include "collector/collector_commands.hpp"
#include "collector/collector_serve.hpp"
#include "collector/collector_settings.hpp"
#include "collector/collector_tls.hpp"
#include "collector/report_store.hpp"

using namespace gpwatch::collector;

int main(int argc, char** argv) {
    spdlog::set_default_logger(spdlog::stderr_color_st("gpwatch-collector"));
    const CliParse cli = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (cli.options.command == Command::help && cli.error.empty()) {
        std::cout << usage_text();
        return 0;
    }
    if (!cli.error.empty()) {
        std::cerr << "gpwatch-collector: " << cli.error << "\n\n" << usage_text();
        return 2;
    }
    const CliOptions& o = cli.options;
    CollectorSettings settings;
    try {
        settings = load_collector_settings(o.config);
    } catch (const CollectorSettingsError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    switch (o.command) {
    case Command::check_config:
        try {
            (void)make_upload_tls(settings.upload);
            (void)make_web_tls(settings.web);
        } catch (const std::exception& e) {
            std::cerr << o.config << ": " << e.what() << "\n";
            return 2;
        }
        std::cout << o.config << ": settings are valid\n";
        return 0;
    case Command::serve: return run_serve(settings, o.capture_dir);
    case Command::register_practice: return run_register(settings, o);
    case Command::practices: return run_practices(settings, o);
    case Command::export_csv: return run_export_csv(settings, o);
    case Command::help: break;
    }
    return 2;
}
