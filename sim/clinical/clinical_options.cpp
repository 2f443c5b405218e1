#include "sim/clinical/clinical_options.hpp"

namespace gpwatch::sim {

namespace {

void parse_listen(const std::string& text, ClinicalOptions& o) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw OptionError("--listen: expected HOST:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::uint64_t port = parse_whole("--listen", text.substr(colon + 1));
    if (port > 65535) throw OptionError("--listen: port " + std::to_string(port) + " is out of range");
    o.listen_host = host;
    o.listen_port = static_cast<std::uint16_t>(port);
}

void parse_review_delay(const std::string& text, ClinicalOptions& o) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) throw OptionError("--review-delay: expected MIN:MAX seconds, got '" + text + "'");
    const double lo = parse_number("--review-delay", text.substr(0, colon));
    const double hi = parse_number("--review-delay", text.substr(colon + 1));
    if (lo < 0 || hi < lo) throw OptionError("--review-delay: need 0 <= MIN <= MAX, got '" + text + "'");
    o.review_min = lo;
    o.review_max = hi;
}

}  // namespace

ClinicalOptions parse_clinical_options(const std::vector<std::string>& args) {
    ClinicalOptions o;
    for (OptionCursor arg(args); arg.next();) {
        if (parse_traffic_option(arg, o, 100000, "events")) continue;
        const std::string& name = arg.name();
        if (name == "--listen") {
            parse_listen(arg.value(), o);
        } else if (name == "--token") {
            o.token = non_empty(name, arg.value());
        } else if (name == "--practice") {
            o.practice = non_empty(name, arg.value());
        } else if (name == "--cert-dir") {
            o.cert_dir = non_empty(name, arg.value());
        } else if (name == "--cert") {
            o.cert_file = arg.value();
        } else if (name == "--key") {
            o.key_file = arg.value();
        } else if (name == "--update-records") {
            o.update_records = non_empty(name, arg.value());
        } else if (name == "--heartbeat") {
            o.heartbeat = parse_number(name, arg.value());
            if (o.heartbeat <= 0) throw OptionError("--heartbeat: must be > 0 seconds");
        } else if (name == "--review-delay") {
            parse_review_delay(arg.value(), o);
        } else if (name == "--lying-times") {
            o.lying_times = parse_whole(name, arg.value());
        } else {
            throw OptionError("unknown option '" + arg.word() + "'");
        }
    }
    if (o.cert_file.empty() != o.key_file.empty())
        throw OptionError(o.cert_file.empty() ? "--key: needs --cert as well" : "--cert: needs --key as well");
    return o;
}

const char* clinical_usage() {
    return "usage: gpwatch-sim clinical [options]\n"
           "  --listen HOST:PORT      where to serve wss://HOST:PORT/feed (default 127.0.0.1:8443; port 0 = any)\n"
           "  --token T               bearer token for /feed and POST /tasks (default gpwatch-sim-token)\n"
           "  --practice ODS          the practice whose record is simulated (default C84001)\n"
           "  --cert-dir DIR          make a fresh CA + server certificate, write DIR/ca.pem (default /tmp/gpwatch-sim)\n"
           "  --cert FILE --key FILE  serve this certificate instead (nothing is written)\n"
           "  --rate R                events per second (default 2)\n"
           "  --count N               stop generating after N events (default 0 = unlimited)\n"
           "  --seed S                random seed (default: random, printed at start)\n"
           "  --journal FILE          append every published event, and every task received on\n"
           "                          POST /tasks ({\"type\":\"task\",...}), as a JSON line\n"
           "  --update-records FILE   the MESH simulator's --journal: review (file or reject, as\n"
           "                          --review-delay says) every Update Record delivered there\n"
           "  --chaos                 drop client connections at random moments\n"
           "  --heartbeat SECONDS     heartbeat interval (default 5)\n"
           "  --review-delay MIN:MAX  seconds before a write is filed or rejected (default 5:40)\n"
           "  --backdate DURATION     date every event this far in the past, e.g. 7d (default: now)\n"
           "  --lying-times N         stamp every Nth event with a time that cannot be right (2099, 0001,\n"
           "                          0000, 1900, 9999, 1970 in turn), as a broken sender would\n";
}

}  // namespace gpwatch::sim
