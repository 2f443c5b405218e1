#include "daemon/reporting/report_builder.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include <date/tz.h>
#include <openssl/evp.h>

#include "reporting/disclosure.hpp"

#ifndef GPWATCH_VERSION
#error "GPWATCH_VERSION must be defined by the build (daemon/reporting/CMakeLists.txt)"
#endif

namespace gpwatch {

namespace {

constexpr std::uint32_t kFormatVersion = 1;

std::string sha256_hex(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("cannot compute SHA-256 (OpenSSL)");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xf];
    }
    return out;
}

// Fields are joined with a unit separator and records with a newline: neither can occur in an
// ODS code, a reason, a feed or an organisation type, so two different reports never share the
// digest input.
void field(std::string& out, std::string_view v) {
    out += v;
    out += '\x1f';
}

}  // namespace

const char* gpwatch_version() { return GPWATCH_VERSION; }

const std::vector<std::string>& fixed_report_reasons() {
    static const std::vector<std::string> reasons{
        "invalid_nhs_number",  "patient_visible_before_review", "processor_drift", "unauthorised_write",
        "unknown_writer",      "unparseable_message",           "unreviewed_overdue",
    };
    return reasons;
}

ReportContext report_context(const Settings& settings) {
    ReportContext c;
    c.practice_ods = settings.practice_ods;
    c.gpwatch_version = gpwatch_version();
    c.settings_hash = settings.source_hash;
    c.per_writer_ods = settings.reporting.per_writer_ods;
    c.zone = date::locate_zone(settings.calendar.time_zone);  // throws std::runtime_error if unknown
    c.rule_categories = rule_categories(settings);
    return c;
}

report::IncidentReport build_report(const ReportContext& context, const reporting::IsoWeek& week,
                                    const std::vector<IncidentCell>& cells) {
    // Every reason that gets a total, sorted; then its cells in (feed, type, ODS) order.
    std::set<std::string> reasons(fixed_report_reasons().begin(), fixed_report_reasons().end());
    for (const auto& [rule, category] : context.rule_categories) reasons.insert(content_rule_reason(category));
    std::map<std::string, std::vector<const IncidentCell*>> by_reason;
    for (const auto& c : cells) {
        reasons.insert(c.reason);  // e.g. a category of a rule since removed: still counted
        by_reason[c.reason].push_back(&c);
    }

    report::IncidentReport r;
    r.set_format_version(kFormatVersion);
    r.set_practice_ods(context.practice_ods);
    r.set_period(week.name());
    r.set_period_start(week.start);
    r.set_period_end(week.end);
    r.set_revision(0);
    r.set_gpwatch_version(context.gpwatch_version);
    r.set_settings_hash(context.settings_hash);
    r.set_generated_at(0);
    r.set_per_writer_ods(context.per_writer_ods);
    for (const auto& reason : reasons) {
        auto group_cells = by_reason[reason];
        std::sort(group_cells.begin(), group_cells.end(), [](const IncidentCell* a, const IncidentCell* b) {
            return std::tie(a->feed, a->writer_org_type, a->writer_ods) <
                   std::tie(b->feed, b->writer_org_type, b->writer_ods);
        });
        std::vector<std::uint64_t> raw;
        raw.reserve(group_cells.size());
        for (const auto* c : group_cells) raw.push_back(c->count);
        const auto controlled = reporting::control_group(raw);
        for (std::size_t i = 0; i < group_cells.size(); ++i) {
            auto* out = r.add_counts();
            out->set_reason(reason);
            out->set_feed(group_cells[i]->feed);
            out->set_writer_org_type(group_cells[i]->writer_org_type);
            out->set_writer_ods(context.per_writer_ods ? group_cells[i]->writer_ods : std::string());
            out->set_value(controlled.cells[i].value);
            out->set_redacted(controlled.cells[i].redacted);
        }
        auto* total = r.add_totals();
        total->set_reason(reason);
        total->set_value(controlled.total.value);
        total->set_redacted(controlled.total.redacted);
    }
    return r;
}

std::string content_digest(const report::IncidentReport& r) {
    std::string in;
    field(in, "gpwatch-lmc-content-v1");
    field(in, r.practice_ods());
    field(in, r.period());
    field(in, r.per_writer_ods() ? "per_writer_ods" : "");
    in += '\n';
    for (const auto& c : r.counts()) {
        field(in, "count");
        field(in, c.reason());
        field(in, c.feed());
        field(in, c.writer_org_type());
        field(in, c.writer_ods());
        field(in, std::to_string(c.value()));
        field(in, c.redacted() ? "redacted" : "");
        in += '\n';
    }
    for (const auto& t : r.totals()) {
        field(in, "total");
        field(in, t.reason());
        field(in, std::to_string(t.value()));
        field(in, t.redacted() ? "redacted" : "");
        in += '\n';
    }
    return sha256_hex(in);
}

}  // namespace gpwatch
