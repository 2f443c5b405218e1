#include "mesh_options.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace gpwatch::sim {

namespace {

double parse_number(const std::string& option, const std::string& text) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        throw OptionError(option + ": expected a number, got '" + text + "'");
    return v;
}

std::uint64_t parse_whole(const std::string& option, const std::string& text) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
        throw OptionError(option + ": expected a whole number, got '" + text + "'");
    return v;
}

std::string non_empty(const std::string& option, std::string value) {
    if (value.empty()) throw OptionError(option + ": must not be empty");
    return value;
}

}  // namespace

std::chrono::milliseconds parse_duration(const std::string& option, const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    const std::string unit = text.substr(digits);
    const double n = parse_number(option, text.substr(0, digits));
    double ms = 0;
    if (unit == "ms") ms = n;
    else if (unit.empty() || unit == "s") ms = n * 1e3;
    else if (unit == "m") ms = n * 60e3;
    else if (unit == "h") ms = n * 3600e3;
    else if (unit == "d") ms = n * 86400e3;
    else throw OptionError(option + ": expected a duration like 5d, 2h, 10m, 30s or 500ms, got '" + text + "'");
    if (ms <= 0 || ms > 1e12) throw OptionError(option + ": must be > 0, got '" + text + "'");
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

MeshOptions parse_mesh_options(const std::vector<std::string>& args) {
    MeshOptions o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::optional<std::string> inline_value;
        if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        auto flag = [&] {
            if (inline_value) throw OptionError(name + ": takes no value");
        };
        auto value = [&]() -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size()) throw OptionError(name + ": missing value");
            return args[++i];
        };

        if (name == "--help" || name == "-h") {
            flag();
            o.help = true;
        } else if (name == "--host") {
            o.listen_host = non_empty(name, value());
        } else if (name == "--port") {
            const std::uint64_t port = parse_whole(name, value());
            if (port > 65535) throw OptionError("--port: " + std::to_string(port) + " is out of range");
            o.listen_port = static_cast<std::uint16_t>(port);
        } else if (name == "--mailbox") {
            o.mailbox = non_empty(name, value());
            if (o.mailbox.find(':') != std::string::npos) throw OptionError("--mailbox: must not contain ':'");
        } else if (name == "--password") {
            o.password = non_empty(name, value());
        } else if (name == "--shared-secret") {
            o.shared_secret = non_empty(name, value());
        } else if (name == "--state-dir") {
            o.state_dir = non_empty(name, value());
        } else if (name == "--rate") {
            o.rate = parse_number(name, value());
            if (o.rate <= 0 || o.rate > 10000) throw OptionError("--rate: must be > 0 and <= 10000 messages per second");
        } else if (name == "--count") {
            o.count = parse_whole(name, value());
        } else if (name == "--seed") {
            o.seed = parse_whole(name, value());
        } else if (name == "--journal") {
            o.journal = non_empty(name, value());
        } else if (name == "--expire-after") {
            o.expire_after = parse_duration(name, value());
        } else if (name == "--chaos") {
            flag();
            o.chaos = true;
        } else {
            throw OptionError("unknown option '" + args[i] + "'");
        }
    }
    return o;
}

const char* mesh_usage() {
    return "usage: gpwatch-sim mesh [options]\n"
           "  --host HOST             address to listen on (default 127.0.0.1)\n"
           "  --port PORT             https://HOST:PORT/messageexchange (default 8444; 0 = any)\n"
           "  --mailbox ID            the practice's MESH mailbox (default C84001OT001)\n"
           "  --password P            the mailbox password (default gpwatch-sim-password)\n"
           "  --shared-secret S       the environment's shared secret, HMAC key of the NHSMESH\n"
           "                          Authorization header (default gpwatch-sim-shared-secret)\n"
           "  --state-dir DIR         ca.pem, server.pem/.key and the practice's client.pem/.key;\n"
           "                          made when missing, reused otherwise (default /tmp/gpwatch-sim/mesh)\n"
           "  --rate R                messages arriving in the inbox per second (default 0.5)\n"
           "  --count N               stop after N messages (default 0 = unlimited)\n"
           "  --seed S                random seed (default: random, printed at start)\n"
           "  --journal FILE          append one JSON line per message delivered and per acknowledgement\n"
           "  --expire-after D        unacknowledged messages expire (410) after D: 5d, 2h, 30s, 500ms (default 5d)\n"
           "  --chaos                 now and then answer 500/503 or drop the connection\n";
}

}  // namespace gpwatch::sim
