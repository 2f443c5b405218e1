// Ed25519 signing of incident reports: what the collector relies on to trust a practice's counts.
#include "reporting/report_signing.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "proto/incident_report.pb.h"

namespace gpwatch::reporting {
namespace {

report::IncidentReport sample_report() {
    report::IncidentReport r;
    r.set_format_version(1);
    r.set_practice_ods("C84001");
    r.set_period("2026-W47");
    r.set_revision(1);
    auto* cell = r.add_counts();
    cell->set_reason("unauthorised_write");
    cell->set_feed("clinical");
    cell->set_writer_org_type("trust");
    cell->set_value(10);
    return r;
}

TEST(ReportSigning, ASealedReportVerifiesWithThePublicKey) {
    const SigningKey key = SigningKey::generate();
    report::SignedIncidentReport envelope;
    ASSERT_TRUE(envelope.ParseFromString(seal_report(sample_report(), key)));
    const VerifyKey verifier = VerifyKey::from_pem(key.public_key_pem());
    EXPECT_TRUE(verifier.verify(envelope.report(), envelope.signature()));
    EXPECT_EQ(envelope.key_id(), key.key_id());
    EXPECT_EQ(verifier.key_id(), key.key_id());
    report::IncidentReport inner;
    ASSERT_TRUE(inner.ParseFromString(envelope.report()));
    EXPECT_EQ(inner.practice_ods(), "C84001");
}

TEST(ReportSigning, AnyChangedByteFailsVerification) {
    const SigningKey key = SigningKey::generate();
    report::SignedIncidentReport envelope;
    ASSERT_TRUE(envelope.ParseFromString(seal_report(sample_report(), key)));
    const VerifyKey verifier = VerifyKey::from_pem(key.public_key_pem());
    for (std::size_t i = 0; i < envelope.report().size(); ++i) {
        std::string tampered = envelope.report();
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        EXPECT_FALSE(verifier.verify(tampered, envelope.signature())) << "byte " << i;
    }
    EXPECT_FALSE(verifier.verify(envelope.report(), ""));
    EXPECT_FALSE(verifier.verify(envelope.report(), std::string(64, '\0')));
}

TEST(ReportSigning, AnotherKeyDoesNotVerify) {
    const SigningKey key = SigningKey::generate();
    const SigningKey other = SigningKey::generate();
    const std::string bytes = "counts";
    EXPECT_FALSE(VerifyKey::from_pem(other.public_key_pem()).verify(bytes, key.sign(bytes)));
    EXPECT_NE(key.key_id(), other.key_id());
}

TEST(ReportSigning, LoadsAKeyMadeByTheOpensslCommand) {
    // The admin's path: `openssl genpkey -algorithm ed25519`; the key must load and round-trip.
    const auto dir = std::filesystem::temp_directory_path() /
                     ("gpwatch-signing-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "key.pem").string();
    const std::string cmd = "openssl genpkey -algorithm ed25519 -out '" + path + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const SigningKey key = SigningKey::load_pem_file(path);
    EXPECT_TRUE(VerifyKey::from_pem(key.public_key_pem()).verify("x", key.sign("x")));
    EXPECT_EQ(key.key_id().rfind("ed25519:", 0), 0u);
    EXPECT_EQ(key.key_id().size(), 8u + 16u);
    std::filesystem::remove_all(dir);
}

TEST(ReportSigning, RefusesKeysThatAreNotEd25519OrNotThere) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("gpwatch-signing-bad-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto rsa = (dir / "rsa.pem").string();
    const std::string cmd = "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out '" + rsa +
                            "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    try {
        SigningKey::load_pem_file(rsa);
        FAIL() << "an RSA key was accepted";
    } catch (const KeyError& e) {
        EXPECT_NE(std::string(e.what()).find("not an Ed25519 key"), std::string::npos) << e.what();
    }
    EXPECT_THROW(SigningKey::load_pem_file((dir / "missing.pem").string()), KeyError);
    EXPECT_THROW(VerifyKey::from_pem("not a key"), KeyError);
    std::filesystem::remove_all(dir);
}

TEST(ReportSigning, PrivateKeyPemRoundTrips) {
    const SigningKey key = SigningKey::generate();
    const auto dir = std::filesystem::temp_directory_path() /
                     ("gpwatch-signing-rt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "k.pem").string();
    std::ofstream(path) << key.private_key_pem();
    EXPECT_EQ(SigningKey::load_pem_file(path).key_id(), key.key_id());
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gpwatch::reporting
