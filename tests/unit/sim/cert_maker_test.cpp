#include "sim/common/cert_maker.hpp"

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace gpwatch::sim {

namespace {

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509_STORE* p) const { X509_STORE_free(p); }
    void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};

std::unique_ptr<X509, X509Free> load_cert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::unique_ptr<X509, X509Free>(cert);
}

std::unique_ptr<EVP_PKEY, X509Free> load_key(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::unique_ptr<EVP_PKEY, X509Free>(key);
}

}  // namespace

TEST(CertMaker, ServerCertificateVerifiesAgainstTheCaWithTheRightNames) {
    const CertBundle bundle = make_ca_and_server_cert();
    auto ca = load_cert(bundle.ca_cert_pem);
    auto server = load_cert(bundle.server_cert_pem);
    auto key = load_key(bundle.server_key_pem);
    ASSERT_TRUE(ca && server && key);

    EXPECT_EQ(X509_check_ca(ca.get()), 1);  // CA:TRUE
    EXPECT_EQ(X509_check_ca(server.get()), 0);
    EXPECT_EQ(X509_check_private_key(server.get(), key.get()), 1);

    std::unique_ptr<X509_STORE, X509Free> store(X509_STORE_new());
    ASSERT_EQ(X509_STORE_add_cert(store.get(), ca.get()), 1);
    std::unique_ptr<X509_STORE_CTX, X509Free> ctx(X509_STORE_CTX_new());
    ASSERT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), server.get(), nullptr), 1);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    EXPECT_EQ(X509_verify_cert(ctx.get()), 1)
        << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));

    EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_host(server.get(), "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.2", 0), 0);
    EXPECT_EQ(X509_check_host(server.get(), "example.org", 0, 0, nullptr), 0);

    // A second call makes a different CA: the server certificate of one does not verify with the other.
    const CertBundle other = make_ca_and_server_cert();
    auto other_server = load_cert(other.server_cert_pem);
    std::unique_ptr<X509_STORE_CTX, X509Free> ctx2(X509_STORE_CTX_new());
    ASSERT_EQ(X509_STORE_CTX_init(ctx2.get(), store.get(), other_server.get(), nullptr), 1);
    EXPECT_NE(X509_verify_cert(ctx2.get()), 1);
}

TEST(CertMaker, WriteFileAtomicReplacesTheFileAndLeavesNoTemporary) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(testing::TempDir()) / "sim_cert_maker_test" / "nested";
    fs::remove_all(dir.parent_path());
    const std::string path = (dir / "ca.pem").string();
    write_file_atomic(path, "first");
    write_file_atomic(path, "second\n");
    EXPECT_EQ(read_file(path), "second\n");
    int files = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
    EXPECT_EQ(files, 1);
    EXPECT_THROW(read_file((dir / "missing.pem").string()), std::runtime_error);
}

TEST(CertMaker, ClientCertificateIsForClientsOnlyAndNamedAsAsked) {
    const TestCa ca("gpwatch test", "test CA", 2);
    const LeafCert client = ca.issue(LeafRole::client, "C84001OT001");
    auto ca_cert = load_cert(ca.cert_pem());
    auto cert = load_cert(client.cert_pem);
    auto key = load_key(client.key_pem);
    ASSERT_TRUE(ca_cert && cert && key);
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
    EXPECT_EQ(X509_check_ca(cert.get()), 0);

    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
    EXPECT_STREQ(cn, "C84001OT001");
    char org[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_organizationName, org, sizeof org);
    EXPECT_STREQ(org, "gpwatch test");

    std::unique_ptr<X509_STORE, X509Free> store(X509_STORE_new());
    ASSERT_EQ(X509_STORE_add_cert(store.get(), ca_cert.get()), 1);
    for (const int purpose : {X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER}) {
        std::unique_ptr<X509_STORE_CTX, X509Free> ctx(X509_STORE_CTX_new());
        ASSERT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr), 1);
        X509_STORE_CTX_set_purpose(ctx.get(), purpose);
        // Good for a TLS client, refused as a server certificate (extendedKeyUsage clientAuth only).
        EXPECT_EQ(X509_verify_cert(ctx.get()) == 1, purpose == X509_PURPOSE_SSL_CLIENT) << purpose;
    }
}

TEST(CertMaker, CertFileValidForLooksAtTheExpiryAndTheFile) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(testing::TempDir()) / "sim_cert_maker_valid_test";
    fs::remove_all(dir);
    const std::string path = (dir / "ca.pem").string();
    EXPECT_FALSE(cert_file_valid_for(path, 0));  // missing

    const TestCa ca("gpwatch test", "test CA", 2);  // expires in two days
    write_file_atomic(path, ca.cert_pem());
    EXPECT_TRUE(cert_file_valid_for(path, 24L * 3600));
    EXPECT_FALSE(cert_file_valid_for(path, 3L * 24 * 3600));

    write_file_atomic(path, "not a certificate\n");
    EXPECT_FALSE(cert_file_valid_for(path, 0));
}

}  // namespace gpwatch::sim
