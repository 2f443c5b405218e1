// report_forge: writes one SignedIncidentReport, as a practice's gpwatchd would (through the real
// reporting::seal_report and disclosure control), or broken in one chosen way, for the
// collector's tests.
//
//   report_forge (--key PRIVATE.pem | --new-key-out FILE) --ods A81001 --period 2026-W40
//                [--revision N] [--count REASON:FEED:ORG_TYPE=RAW ...] [--uncontrolled]
//                [--generated-at UNIX] [--tamper] [--unsigned] [--out FILE]
//
// --count values are raw incident counts; they pass reporting::control_group per reason (cells
// and the reason's total), unless --uncontrolled puts them in as they are. --new-key-out writes a
// fresh private key to FILE and its public key to FILE.pub. --tamper changes one byte inside the
// signed report (a character of settings_hash) after signing; --unsigned empties the signature.
// Writes the bytes to --out or stdout. Exit 0 ok, 2 usage error.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <date/tz.h>

#include "proto/incident_report.pb.h"
#include "reporting/disclosure.hpp"
#include "reporting/iso_week.hpp"
#include "reporting/report_signing.hpp"

namespace {

using namespace gpwatch;

struct RawCount {
    std::string reason, feed, org_type;
    std::uint64_t value = 0;
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "report_forge: " << why << "\n"
              << "usage: report_forge (--key PEM | --new-key-out FILE) --ods CODE --period 2026-W40 [--revision N]\n"
                 "       [--count REASON:FEED:ORG_TYPE=RAW ...] [--uncontrolled] [--generated-at UNIX]\n"
                 "       [--tamper] [--unsigned] [--out FILE]\n";
    std::exit(2);
}

RawCount parse_count(const std::string& text) {
    const auto eq = text.rfind('=');
    const auto c1 = text.find(':');
    const auto c2 = c1 == std::string::npos ? std::string::npos : text.find(':', c1 + 1);
    // The reason itself may hold a colon (content_rule:<category>): split feed and type from the right.
    const auto last = text.rfind(':', eq);
    const auto before = last == std::string::npos || last == 0 ? std::string::npos : text.rfind(':', last - 1);
    if (eq == std::string::npos || c2 == std::string::npos || before == std::string::npos) usage("bad --count '" + text + "'");
    RawCount c{text.substr(0, before), text.substr(before + 1, last - before - 1), text.substr(last + 1, eq - last - 1),
               std::stoull(text.substr(eq + 1))};
    return c;
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) usage("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
    std::string key_file, new_key_out, ods, period, out_file;
    std::uint32_t revision = 1;
    std::vector<RawCount> counts;
    bool uncontrolled = false, tamper = false, unsigned_report = false;
    std::int64_t generated_at =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        if (a == "--key") key_file = value();
        else if (a == "--new-key-out") new_key_out = value();
        else if (a == "--ods") ods = value();
        else if (a == "--period") period = value();
        else if (a == "--revision") revision = static_cast<std::uint32_t>(std::stoul(value()));
        else if (a == "--count") counts.push_back(parse_count(value()));
        else if (a == "--uncontrolled") uncontrolled = true;
        else if (a == "--generated-at") generated_at = std::stoll(value());
        else if (a == "--tamper") tamper = true;
        else if (a == "--unsigned") unsigned_report = true;
        else if (a == "--out") out_file = value();
        else usage("unexpected argument '" + a + "'");
    }
    if (key_file.empty() == new_key_out.empty()) usage("give exactly one of --key and --new-key-out");
    if (ods.empty() || period.empty()) usage("--ods and --period are required");

    const auto* zone = date::locate_zone("Europe/London");
    const auto week = reporting::parse_iso_week(period, zone);
    if (!week) usage("bad --period '" + period + "'");

    auto key = [&] {
        if (!key_file.empty()) return reporting::SigningKey::load_pem_file(key_file);
        auto k = reporting::SigningKey::generate();
        write_file(new_key_out, k.private_key_pem());
        write_file(new_key_out + ".pub", k.public_key_pem());
        return k;
    }();

    report::IncidentReport r;
    r.set_format_version(1);
    r.set_practice_ods(ods);
    r.set_period(week->name());
    r.set_period_start(week->start);
    r.set_period_end(week->end);
    r.set_revision(revision);
    r.set_gpwatch_version("report_forge");
    r.set_settings_hash("sha256:0000000000000000000000000000000000000000000000000000000000000000");
    r.set_generated_at(generated_at);
    std::map<std::string, std::vector<RawCount>> by_reason;
    for (const auto& c : counts) by_reason[c.reason].push_back(c);
    for (const auto& [reason, cells] : by_reason) {
        std::vector<std::uint64_t> raw;
        for (const auto& c : cells) raw.push_back(c.value);
        const auto group = reporting::control_group(raw);
        std::uint64_t raw_total = 0;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            auto* out = r.add_counts();
            out->set_reason(reason);
            out->set_feed(cells[i].feed);
            out->set_writer_org_type(cells[i].org_type);
            out->set_value(uncontrolled ? static_cast<std::uint32_t>(raw[i]) : group.cells[i].value);
            out->set_redacted(uncontrolled ? false : group.cells[i].redacted);
            raw_total += raw[i];
        }
        auto* total = r.add_totals();
        total->set_reason(reason);
        total->set_value(uncontrolled ? static_cast<std::uint32_t>(raw_total) : group.total.value);
        total->set_redacted(uncontrolled ? false : group.total.redacted);
    }

    std::string bytes = reporting::seal_report(r, key);
    if (tamper || unsigned_report) {
        report::SignedIncidentReport envelope;
        if (!envelope.ParseFromString(bytes)) usage("seal_report wrote something unparseable");
        if (tamper) {
            std::string inner = envelope.report();
            const auto at = inner.find("sha256:0");
            if (at == std::string::npos) usage("nothing to tamper with");
            inner[at + 7] = '1';  // still a valid IncidentReport, no longer what was signed
            envelope.set_report(inner);
        }
        if (unsigned_report) envelope.clear_signature();
        bytes = envelope.SerializeAsString();
    }
    if (out_file.empty())
        std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size())).flush();
    else
        write_file(out_file, bytes);
    return 0;
}
