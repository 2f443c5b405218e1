#include "collector/report_intake.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <openssl/evp.h>

#include "proto/incident_report.pb.h"
#include "reporting/iso_week.hpp"
#include "reporting/report_signing.hpp"

namespace gpwatch::collector {

std::string_view status_word(IntakeStatus s) {
    switch (s) {
    case IntakeStatus::stored: return "stored";
    case IntakeStatus::replayed: return "replayed";
    case IntakeStatus::superseded: return "superseded";
    case IntakeStatus::malformed: return "malformed";
    case IntakeStatus::unsigned_report: return "unsigned";
    case IntakeStatus::bad_signature: return "bad_signature";
    case IntakeStatus::unknown_practice: return "unknown_practice";
    case IntakeStatus::unregistered_key: return "unregistered_key";
    case IntakeStatus::too_large: return "too_large";
    case IntakeStatus::future_dated: return "future_dated";
    case IntakeStatus::wrong_content_type: return "wrong_content_type";
    }
    return "malformed";
}

unsigned http_status(IntakeStatus s) {
    switch (s) {
    case IntakeStatus::stored: return 201;
    case IntakeStatus::replayed:
    case IntakeStatus::superseded: return 409;
    case IntakeStatus::malformed: return 400;
    case IntakeStatus::unsigned_report:
    case IntakeStatus::bad_signature: return 401;
    case IntakeStatus::unknown_practice:
    case IntakeStatus::unregistered_key: return 403;
    case IntakeStatus::too_large: return 413;
    case IntakeStatus::future_dated: return 422;
    case IntakeStatus::wrong_content_type: return 415;
    }
    return 400;
}

std::string body_digest(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xf];
    }
    return out;
}

namespace {

bool is_protobuf_content_type(std::string_view ct) {
    const auto semi = ct.find(';');
    std::string_view media = ct.substr(0, semi);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
    constexpr std::string_view kWanted = "application/x-protobuf";
    return media.size() == kWanted.size() &&
           std::equal(media.begin(), media.end(), kWanted.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

// A value the client chose (a header, the envelope's key id) echoed in a detail and so in a log
// line: printable ASCII, at most 60 characters, so it cannot forge or flood log lines.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 60)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

// An ODS code: 3 to 10 upper-case letters and digits (A81001, FA123, RX1).
bool valid_ods(std::string_view ods) {
    return ods.size() >= 3 && ods.size() <= 10 &&
           std::all_of(ods.begin(), ods.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// Reasons, feeds and organisation types are short lower-case words ("content_rule:sexual_health",
// "update_record", "community-pharmacy"); anything else is refused, so no free text a practice's
// software might put there by mistake is stored or shown.
bool valid_word(std::string_view s, std::size_t max, std::string_view extra) {
    return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [&](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || extra.find(c) != std::string_view::npos;
           });
}

// What disclosure control lets through: 0, or a multiple of 5 of at least 10; redacted is 0.
bool controlled(std::uint32_t value, bool redacted) {
    if (redacted) return value == 0;
    return value == 0 || (value >= 10 && value % 5 == 0);
}

IntakeResult refuse(IntakeStatus status, std::string detail, IntakeResult base) {
    base.status = status;
    base.detail = std::move(detail);
    return base;
}

// The report's content, checked field by field; an empty string when all is well.
std::string content_problem(const report::IncidentReport& r, const reporting::IsoWeek& week) {
    if (r.revision() == 0) return "revision must be 1 or more";
    if (r.generated_at() <= 0) return "generated_at is missing";
    if (r.period_start() != week.start || r.period_end() != week.end)
        return "period_start/period_end do not match week " + r.period() + " in the collector's time zone";
    for (const auto& c : r.counts()) {
        if (!valid_word(c.reason(), 64, ":") || !valid_word(c.feed(), 32, "") || !valid_word(c.writer_org_type(), 64, "-"))
            return "a count has an empty or unexpected reason, feed or writer_org_type";
        if (!c.writer_ods().empty() && (!r.per_writer_ods() || !valid_ods(c.writer_ods())))
            return "a count names a writer ODS code that is not one, or per_writer_ods is off";
        if (!controlled(c.value(), c.redacted()))
            return "the count " + std::to_string(c.value()) + " for " + c.reason() +
                   " has not passed disclosure control (0, redacted, or a multiple of 5 of at least 10)";
    }
    for (const auto& t : r.totals()) {
        if (!valid_word(t.reason(), 64, ":")) return "a total has an empty or unexpected reason";
        if (!controlled(t.value(), t.redacted()))
            return "the total " + std::to_string(t.value()) + " for " + t.reason() + " has not passed disclosure control";
    }
    return {};
}

}  // namespace

IntakeResult take_report(ReportStore& store, const IntakeRequest& request, const IntakeLimits& limits,
                         const date::time_zone* zone) {
    IntakeResult result;
    if (!is_protobuf_content_type(request.content_type))
        return refuse(IntakeStatus::wrong_content_type,
                      "Content-Type must be application/x-protobuf, not '" + printable(request.content_type) + "'",
                      result);
    if (request.body.size() > limits.max_report_bytes)
        return refuse(IntakeStatus::too_large,
                      "the report is over the limit of " + std::to_string(limits.max_report_bytes) + " bytes", result);
    result.digest = body_digest(request.body);

    report::SignedIncidentReport envelope;
    if (request.body.empty() || !envelope.ParseFromArray(request.body.data(), static_cast<int>(request.body.size())))
        return refuse(IntakeStatus::malformed, "the body is not a SignedIncidentReport", result);
    if (envelope.report().empty()) return refuse(IntakeStatus::malformed, "the envelope holds no report", result);
    report::IncidentReport inner;
    if (!inner.ParseFromString(envelope.report()))
        return refuse(IntakeStatus::malformed, "the signed report is not an IncidentReport", result);
    if (inner.format_version() != 1)
        return refuse(IntakeStatus::malformed,
                      "format_version " + std::to_string(inner.format_version()) + " is not understood (this collector reads 1)",
                      result);
    if (!valid_ods(inner.practice_ods()))
        return refuse(IntakeStatus::malformed, "practice_ods is missing or not an ODS code", result);
    result.practice = inner.practice_ods();
    const auto week = reporting::parse_iso_week(inner.period(), zone);
    if (!week) return refuse(IntakeStatus::malformed, "period is not an ISO week such as 2026-W47", result);
    result.period = week->name();
    result.revision = inner.revision();
    if (const std::string why = content_problem(inner, *week); !why.empty())
        return refuse(IntakeStatus::malformed, why, result);

    if (envelope.signature().empty()) return refuse(IntakeStatus::unsigned_report, "the report is not signed", result);
    const auto practice = store.practice(inner.practice_ods());
    if (!practice)
        return refuse(IntakeStatus::unknown_practice,
                      "practice " + inner.practice_ods() + " is not registered with this collector", result);
    if (envelope.key_id() != practice->key_id)
        return refuse(IntakeStatus::unregistered_key,
                      "key " + printable(envelope.key_id()) + " is not the key registered for " + inner.practice_ods() + " (" +
                          practice->key_id + ")",
                      result);
    bool verified = false;
    try {
        verified = reporting::VerifyKey::from_pem(practice->public_key_pem).verify(envelope.report(), envelope.signature());
    } catch (const reporting::KeyError&) {
        verified = false;  // a registered key that no longer loads verifies nothing
    }
    if (!verified)
        return refuse(IntakeStatus::bad_signature,
                      "the signature does not verify with the key registered for " + inner.practice_ods(), result);

    const std::int64_t skew = limits.max_clock_skew.count();
    if (inner.generated_at() > request.now + skew)
        return refuse(IntakeStatus::future_dated, "generated_at is ahead of the collector's clock by more than " +
                                                      std::to_string(skew) + " s",
                      result);
    if (week->end > request.now + skew)
        return refuse(IntakeStatus::future_dated, "period " + week->name() + " has not ended yet", result);

    // Replay and revision order, then the insert; the primary key settles a race between two
    // uploads that both got this far, and the loser is answered as if it had come second.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const auto stored = store.revisions(result.practice, result.period);
        for (const auto& s : stored)
            if (s.digest == result.digest)
                return refuse(IntakeStatus::replayed,
                              "revision " + std::to_string(s.revision) + " of " + result.period + " is stored already",
                              result);
        if (!stored.empty() && inner.revision() <= stored.back().revision)
            return refuse(IntakeStatus::superseded,
                          "revision " + std::to_string(inner.revision()) + " of " + result.period +
                              " is not newer than stored revision " + std::to_string(stored.back().revision),
                          result);
        if (attempt == 1) break;

        NewReport row;
        row.practice = result.practice;
        row.period = result.period;
        row.revision = inner.revision();
        row.digest = result.digest;
        row.body = std::string(request.body);
        row.generated_at = inner.generated_at();
        row.received_at = request.now;
        for (const auto& c : inner.counts())
            row.counts.push_back({row.practice, row.period, row.revision, c.reason(), c.feed(), c.writer_org_type(),
                                  c.writer_ods(), c.value(), c.redacted()});
        for (const auto& t : inner.totals())
            row.totals.push_back({row.practice, row.period, row.revision, t.reason(), t.value(), t.redacted()});
        if (store.insert_report(row) == InsertOutcome::stored)
            return refuse(IntakeStatus::stored,
                          "revision " + std::to_string(row.revision) + " of " + row.period + " stored", result);
    }
    // Unreachable in practice: a duplicate key whose row is then not found.
    return refuse(IntakeStatus::superseded, "revision " + std::to_string(inner.revision()) + " of " + result.period +
                                                " was stored by another upload at the same moment",
                  result);
}

}  // namespace gpwatch::collector
