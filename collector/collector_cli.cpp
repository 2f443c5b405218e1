#include "collector/collector_cli.hpp"

namespace gpwatch::collector {

const char* usage_text() {
    return "usage: gpwatch-collector --config FILE COMMAND [options]\n"
           "\n"
           "The LMC's collector of signed, anonymised incident counts from gpwatch practices.\n"
           "\n"
           "commands:\n"
           "  serve [--capture-dir DIR]     run the upload (mutual TLS) and web listeners until SIGTERM/SIGINT;\n"
           "                                --capture-dir writes every upload request to DIR, one file each\n"
           "  register --ods CODE --public-key FILE.pem [--replace]\n"
           "                                register a practice's Ed25519 public key (prints its key id);\n"
           "                                a different key for a registered practice needs --replace\n"
           "  practices [--json]            list registered practices\n"
           "  export-csv [--from 2026-W40] [--to 2026-W48]\n"
           "                                print the controlled counts per reason per week as CSV\n"
           "  --check-config                check the settings file and its certificates, then exit\n"
           "  --help                        this text\n"
           "\n"
           "exit codes: 0 ok, 1 runtime error, 2 usage or settings error\n";
}

CliParse parse_cli(const std::vector<std::string>& args) {
    CliParse out;
    auto& o = out.options;
    bool have_command = false;
    auto set_command = [&](Command c, const std::string& word) {
        if (have_command) {
            out.error = "more than one command given ('" + word + "')";
            return;
        }
        o.command = c;
        have_command = true;
    };
    for (std::size_t i = 0; i < args.size() && out.error.empty(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= args.size() || args[i + 1].empty()) {
                out.error = a + " needs a value";
                return;
            }
            into = args[++i];
        };
        if (a == "--help" || a == "-h") {
            o.command = Command::help;
            return out;
        } else if (a == "--config") {
            value(o.config);
        } else if (a == "--check-config") {
            set_command(Command::check_config, a);
        } else if (a == "serve") {
            set_command(Command::serve, a);
        } else if (a == "register") {
            set_command(Command::register_practice, a);
        } else if (a == "practices") {
            set_command(Command::practices, a);
        } else if (a == "export-csv") {
            set_command(Command::export_csv, a);
        } else if (a == "--capture-dir" && o.command == Command::serve) {
            value(o.capture_dir);
        } else if (a == "--ods" && o.command == Command::register_practice) {
            value(o.ods);
        } else if (a == "--public-key" && o.command == Command::register_practice) {
            value(o.public_key);
        } else if (a == "--replace" && o.command == Command::register_practice) {
            o.replace = true;
        } else if (a == "--json" && o.command == Command::practices) {
            o.json = true;
        } else if (a == "--from" && o.command == Command::export_csv) {
            value(o.from);
        } else if (a == "--to" && o.command == Command::export_csv) {
            value(o.to);
        } else {
            out.error = "unexpected argument '" + a + "'";
        }
    }
    if (!out.error.empty()) return out;
    if (!have_command) {
        out.error = "no command given";
    } else if (o.config.empty()) {
        out.error = "--config FILE is required";
    } else if (o.command == Command::register_practice && (o.ods.empty() || o.public_key.empty())) {
        out.error = "register needs --ods CODE and --public-key FILE.pem";
    }
    return out;
}

}  // namespace gpwatch::collector
