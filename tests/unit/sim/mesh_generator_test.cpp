// The MESH simulator's deterministic parts: the Update Record generator, FHIR serialisation,
// gzip, options, and the server-side NHSMESH token checks (reuse, staleness).

#include <chrono>
#include <map>
#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/mesh/mesh_auth.hpp"
#include "sim/mesh/mesh_gzip.hpp"
#include "sim/mesh/mesh_options.hpp"
#include "sim/mesh/mesh_request_auth.hpp"
#include "proto/nhs_number.hpp"
#include "sim/mesh/update_record_fhir.hpp"
#include "sim/mesh/update_record_generator.hpp"

namespace gpwatch::sim {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const auto kEpoch = std::chrono::sys_days(std::chrono::year(2026) / 5 / 11) + 9h;

std::vector<GeneratedMessage> generate(std::uint64_t seed, int n) {
    UpdateRecordGenerator g(seed, "C84001OT001");
    std::vector<GeneratedMessage> out;
    for (int i = 0; i < n; ++i) out.push_back(g.next(kEpoch + std::chrono::seconds(i * 7)));
    return out;
}

TEST(UpdateRecordGenerator, SameSeedSameMessages) {
    const auto a = generate(42, 200);
    const auto b = generate(42, 200);
    const auto c = generate(43, 200);
    ASSERT_EQ(a.size(), b.size());
    int differing = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].mesh_id, b[i].mesh_id);
        EXPECT_EQ(a[i].body, b[i].body);
        EXPECT_EQ(a[i].kinds, b[i].kinds);
        EXPECT_EQ(a[i].chunks, b[i].chunks);
        if (a[i].body != c[i].body) ++differing;
    }
    EXPECT_GT(differing, 190);
}

TEST(UpdateRecordGenerator, EveryKindAppearsAndMessagesAreWhatTheySay) {
    std::map<std::string, int> seen;
    std::set<std::string> ids;
    std::map<std::string, std::string> nhs_of_bundle;
    for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
        for (const auto& m : generate(seed, 600)) {
            for (const auto& k : m.kinds) ++seen[k];
            EXPECT_TRUE(ids.insert(m.mesh_id).second) << "duplicate MESH id " << m.mesh_id;
            EXPECT_EQ(m.to_mailbox, "C84001OT001");
            if (m.message_type == "REPORT") {
                EXPECT_TRUE(m.body.empty());
                EXPECT_FALSE(m.status_code.empty());
                EXPECT_FALSE(m.linked_message_id.empty());
                continue;
            }
            EXPECT_EQ(m.message_type, "DATA");
            EXPECT_EQ(m.workflow_id, "GPCONNECT_UPDATE_RECORD");
            if (m.has_kind("update-record")) {
                EXPECT_NE(m.body.find(m.from_mailbox), std::string::npos) << "source.endpoint";
                EXPECT_NE(m.body.find("ITK014M"), std::string::npos);
                // A truncated body may end before the Patient; one without a Patient has none.
                if (!m.has_kind("missing-patient")) {
                    if (!m.has_kind("truncated")) {
                        EXPECT_NE(m.body.find("https://fhir.nhs.uk/Id/nhs-number"), std::string::npos) << m.mesh_id;
                    }
                    // Valid numbers pass the check digit; the "invalid" ones fail it.
                    if (!m.has_kind("truncated") || m.body.find(m.nhs_number) != std::string::npos) {  // NOLINT
                        EXPECT_EQ(nhs_number_is_valid(m.nhs_number), !m.has_kind("invalid-nhs-number"))
                            << "message " << m.mesh_id;
                    }
                }
                if (m.has_kind("replaces")) {
                    EXPECT_FALSE(m.replaces.empty());
                    EXPECT_TRUE(nhs_of_bundle.count(m.replaces)) << "replaces an unknown message";
                    if (nhs_of_bundle.count(m.replaces)) {
                        EXPECT_EQ(nhs_of_bundle[m.replaces], m.nhs_number);
                    }
                }
                if (!m.has_kind("malformed")) nhs_of_bundle[m.bundle_id] = m.nhs_number;
                if (m.has_kind("nopat") && !m.has_kind("truncated")) {
                    EXPECT_NE(m.body.find("NOPAT"), std::string::npos);
                }
            }
            if (m.has_kind("other-event")) {
                EXPECT_NE(m.body.find("ITK008M"), std::string::npos);
            }
            // Well-formedness: JSON parses unless truncated; XML closes its Bundle unless truncated.
            const bool truncated = m.has_kind("truncated");
            if (m.has_kind("json")) {
                json::error_code ec;
                json::parse(m.body, ec);
                EXPECT_EQ(static_cast<bool>(ec), truncated) << m.mesh_id;
            } else {
                EXPECT_EQ(m.body.rfind("<Bundle xmlns=\"http://hl7.org/fhir\">", 0), 0u);
                const bool closed = m.body.size() >= 10 && m.body.compare(m.body.size() - 10, 10, "</Bundle>\n") == 0;
                EXPECT_EQ(closed, !truncated) << m.mesh_id;
            }
        }
        nhs_of_bundle.clear();
    }
    for (const char* kind : {"data", "report", "update-record", "other-event", "malformed", "truncated",
                             "missing-patient", "broken-reference", "xml", "json", "pharmacy-first", "bp-check",
                             "contraception", "uti", "sinusitis", "insect-bite", "otitis-media", "sore-throat",
                             "shingles", "impetigo", "nopat", "safeguarding", "pregnancy", "replaces",
                             "invalid-nhs-number", "chunked", "gzip"})
        EXPECT_GT(seen[kind], 0) << "kind never generated: " << kind;
    EXPECT_GT(seen["update-record"], seen["malformed"] * 5);
    EXPECT_GT(seen["xml"], seen["json"]);
}

TEST(UpdateRecordGenerator, JsonFormHasFhirShape) {
    for (const auto& m : generate(9, 300)) {
        if (!m.has_kind("json") || m.has_kind("malformed") || !m.has_kind("update-record")) continue;
        const json::object bundle = json::parse(m.body).as_object();
        EXPECT_EQ(bundle.at("resourceType"), "Bundle");
        EXPECT_EQ(bundle.at("type"), "message");
        const auto& entries = bundle.at("entry").as_array();
        ASSERT_EQ(entries.size(), 3u);
        const auto& header = entries[0].at("resource").as_object();
        EXPECT_EQ(header.at("resourceType"), "MessageHeader");
        EXPECT_EQ(header.at("event").at("code"), "ITK014M");
        EXPECT_TRUE(header.at("extension").is_array());
        const auto& document = entries[2].at("resource").as_object();
        EXPECT_EQ(document.at("type"), "document");
        const auto& composition = document.at("entry").as_array()[0].at("resource");
        EXPECT_EQ(std::string(composition.at("type").at("coding").as_array()[0].at("code").as_string()), m.service);
        return;
    }
    FAIL() << "no JSON Update Record in 300 messages";
}

TEST(FhirNode, XmlEscapesAndJsonTypes) {
    FhirNode r = fhir_resource("Observation", {fhir_string("id", "a<b&\"c\""), fhir_boolean("flag", true),
                                               fhir_number("n", "37.5"), fhir_coding("s", "c", "d")});
    EXPECT_NE(to_fhir_xml(r).find("<id value=\"a&lt;b&amp;&quot;c&quot;\" />"), std::string::npos);
    const json::object o = json::parse(to_fhir_json(r)).as_object();
    EXPECT_EQ(o.at("resourceType"), "Observation");
    EXPECT_TRUE(o.at("flag").is_bool());
    EXPECT_DOUBLE_EQ(o.at("n").as_double(), 37.5);
    EXPECT_TRUE(o.at("coding").is_array());
}

TEST(MeshGzip, RoundTripsAndRejectsGarbage) {
    const std::string text = generate(3, 1).front().body + std::string(1000, 'x');
    const std::string z = gzip_compress(text);
    EXPECT_LT(z.size(), text.size());
    EXPECT_EQ(gzip_decompress(z, 1 << 20), text);
    EXPECT_FALSE(gzip_decompress(z.substr(0, z.size() / 2), 1 << 20));
    EXPECT_FALSE(gzip_decompress(z, 100));  // bigger than allowed
    EXPECT_FALSE(gzip_decompress("not gzip at all", 1 << 20));
}

TEST(MeshOptions, DefaultsAndParsing) {
    const MeshOptions d = parse_mesh_options({});
    EXPECT_EQ(d.listen_port, 8444);
    EXPECT_EQ(d.mailbox, "C84001OT001");
    EXPECT_EQ(d.expire_after, std::chrono::hours(120));
    const MeshOptions o = parse_mesh_options({"--port=0", "--expire-after", "30s", "--count", "5", "--chaos",
                                              "--seed", "7", "--rate", "2.5"});
    EXPECT_EQ(o.listen_port, 0);
    EXPECT_EQ(o.expire_after, std::chrono::seconds(30));
    EXPECT_EQ(o.count, 5u);
    EXPECT_TRUE(o.chaos);
    EXPECT_EQ(o.seed, 7u);
    EXPECT_EQ(parse_duration("--x", "500ms"), std::chrono::milliseconds(500));
    EXPECT_EQ(parse_duration("--x", "2h"), std::chrono::hours(2));
    EXPECT_THROW(parse_mesh_options({"--expire-after", "soon"}), OptionError);
    EXPECT_THROW(parse_mesh_options({"--port", "70000"}), OptionError);
    EXPECT_THROW(parse_mesh_options({"--bogus"}), OptionError);
    EXPECT_THROW(parse_mesh_options({"--rate", "0"}), OptionError);
}

TEST(MeshRequestAuth, AcceptsOnceThenRejectsReuseStaleAndWrongMailbox) {
    const mesh::MeshCredentials creds{"C84001OT001", "pw", "secret"};
    MeshRequestAuth auth(creds);
    const auto now = std::chrono::system_clock::now();
    const std::string token = mesh::make_authorization(creds, "nonce-1", 1, now);
    EXPECT_EQ(auth.check(token, "C84001OT001", now), MeshAuthVerdict::ok);
    EXPECT_EQ(auth.check(token, "C84001OT001", now), MeshAuthVerdict::reused);
    EXPECT_EQ(auth.check(mesh::make_authorization(creds, "nonce-2", 1, now), "C84001OT001", now), MeshAuthVerdict::ok);
    // Same nonce, next count: a different token, accepted.
    EXPECT_EQ(auth.check(mesh::make_authorization(creds, "nonce-2", 2, now), "C84001OT001", now), MeshAuthVerdict::ok);
    EXPECT_EQ(auth.check(mesh::make_authorization(creds, "n3", 1, now - 3h), "C84001OT001", now),
              MeshAuthVerdict::stale_timestamp);
    EXPECT_EQ(auth.check(mesh::make_authorization(creds, "n4", 1, now + 3h), "C84001OT001", now),
              MeshAuthVerdict::stale_timestamp);
    EXPECT_EQ(auth.check(mesh::make_authorization(creds, "n5", 1, now), "X26OT999", now), MeshAuthVerdict::wrong_mailbox);
    const mesh::MeshCredentials other{"X26OT999", "pw", "secret"};
    EXPECT_EQ(auth.check(mesh::make_authorization(other, "n6", 1, now), "X26OT999", now), MeshAuthVerdict::wrong_mailbox);
    const mesh::MeshCredentials wrong_pw{"C84001OT001", "guess", "secret"};
    EXPECT_EQ(auth.check(mesh::make_authorization(wrong_pw, "n7", 1, now), "C84001OT001", now), MeshAuthVerdict::bad_hash);
    EXPECT_EQ(auth.check("", "C84001OT001", now), MeshAuthVerdict::missing);
    EXPECT_EQ(auth.check("Bearer x", "C84001OT001", now), MeshAuthVerdict::malformed);
    // A rejected token is not remembered, an accepted one is forgotten once it could only be stale.
    EXPECT_EQ(auth.remembered(), 3u);
    EXPECT_EQ(auth.check(mesh::make_authorization(creds, "n8", 1, now + 5h), "C84001OT001", now + 5h),
              MeshAuthVerdict::ok);
    EXPECT_EQ(auth.remembered(), 1u);
}

}  // namespace
}  // namespace gpwatch::sim
