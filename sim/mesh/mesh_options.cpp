#include "sim/mesh/mesh_options.hpp"

namespace gpwatch::sim {

MeshOptions parse_mesh_options(const std::vector<std::string>& args) {
    MeshOptions o;
    for (OptionCursor arg(args); arg.next();) {
        if (parse_traffic_option(arg, o, 10000, "messages")) continue;
        const std::string& name = arg.name();
        if (name == "--host") {
            o.listen_host = non_empty(name, arg.value());
        } else if (name == "--port") {
            const std::uint64_t port = parse_whole(name, arg.value());
            if (port > 65535) throw OptionError("--port: " + std::to_string(port) + " is out of range");
            o.listen_port = static_cast<std::uint16_t>(port);
        } else if (name == "--mailbox") {
            o.mailbox = non_empty(name, arg.value());
            if (o.mailbox.find(':') != std::string::npos) throw OptionError("--mailbox: must not contain ':'");
        } else if (name == "--password") {
            o.password = non_empty(name, arg.value());
        } else if (name == "--shared-secret") {
            o.shared_secret = non_empty(name, arg.value());
        } else if (name == "--state-dir") {
            o.state_dir = non_empty(name, arg.value());
        } else if (name == "--expire-after") {
            o.expire_after = parse_duration(name, arg.value());
        } else if (name == "--keep-bodies") {
            o.keep_bodies_dir = non_empty(name, arg.value());
        } else if (name == "--write-fixtures") {
            o.write_fixtures_dir = non_empty(name, arg.value());
        } else {
            throw OptionError("unknown option '" + arg.word() + "'");
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
           "  --chaos                 now and then answer 500/503 or drop the connection\n"
           "  --backdate DURATION     date every message this far in the past, e.g. 7d (default: now)\n"
           "  --keep-bodies DIR       also write each message's payload to DIR/<message id>\n"
           "  --write-fixtures DIR    write the Update Record test messages (tests/data/update_record/)\n"
           "                          into DIR as NAME.xml and NAME.json, then exit\n";
}

}  // namespace gpwatch::sim
