#include "mesh_certs.hpp"

#include <filesystem>
#include <memory>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert_maker.hpp"  // write_file_atomic, read_file

namespace gpwatch::sim {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

constexpr long kValidDays = 365;
constexpr long kRenewWithinSeconds = 2L * 24 * 3600;

[[noreturn]] void fail(const std::string& what) {
    std::string reason = "unknown error";
    if (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        reason = buf;
    }
    ERR_clear_error();
    throw std::runtime_error("MESH certificates: " + what + ": " + reason);
}

enum class Role { ca, server, client };

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || !X509_add_ext(cert, ext.get(), -1)) fail(std::string("extension ") + OBJ_nid2sn(nid));
}

Owned<X509> make_cert(EVP_PKEY* key, const std::string& common_name, Role role, X509* issuer, EVP_PKEY* issuer_key) {
    Owned<X509> cert(X509_new());
    if (!cert || !X509_set_version(cert.get(), 2)) fail("X509_new");
    unsigned char serial_bytes[16];
    if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) fail("serial number");
    serial_bytes[0] &= 0x7f;
    Owned<BIGNUM> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
    if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) fail("serial number");
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidDays * 24 * 3600))
        fail("validity");
    if (!X509_set_pubkey(cert.get(), key)) fail("public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    for (auto [field, value] : {std::pair<const char*, std::string>{"C", "GB"}, {"O", "gpwatch MESH simulator"},
                                {"CN", common_name}})
        if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0))
            fail(std::string("name entry ") + field);
    X509* signer = role == Role::ca ? cert.get() : issuer;
    if (!X509_set_issuer_name(cert.get(), X509_get_subject_name(signer))) fail("issuer name");

    add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (role == Role::ca) {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
        if (role == Role::server) {
            add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
            add_extension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
        } else {
            add_extension(cert.get(), signer, NID_ext_key_usage, "clientAuth");
        }
    }
    if (X509_sign(cert.get(), role == Role::ca ? key : issuer_key, EVP_sha256()) <= 0) fail("signing");
    return cert;
}

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_pem(X509* cert) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_X509(bio.get(), cert)) fail("PEM certificate");
    return bio_string(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) fail("PEM key");
    return bio_string(bio.get());
}

Owned<EVP_PKEY> make_key() {
    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key) fail("EC P-256 key generation");
    return key;
}

// True when the certificate file parses and stays valid for a while yet.
bool still_valid(const std::string& path) {
    std::string pem;
    try {
        pem = read_file(path);
    } catch (const std::exception&) {
        return false;
    }
    Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Owned<X509> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!cert) return false;
    time_t soon = time(nullptr) + kRenewWithinSeconds;
    return X509_cmp_time(X509_get0_notAfter(cert.get()), &soon) > 0;
}

}  // namespace

MeshTlsFiles ensure_mesh_certificates(const std::string& state_dir, const std::string& client_common_name) {
    MeshTlsFiles f;
    f.ca_cert = state_dir + "/ca.pem";
    f.server_cert = state_dir + "/server.pem";
    f.server_key = state_dir + "/server.key";
    f.client_cert = state_dir + "/client.pem";
    f.client_key = state_dir + "/client.key";
    namespace fs = std::filesystem;
    if (still_valid(f.ca_cert) && still_valid(f.server_cert) && still_valid(f.client_cert) &&
        fs::exists(f.server_key) && fs::exists(f.client_key))
        return f;

    Owned<EVP_PKEY> ca_key = make_key();
    Owned<X509> ca = make_cert(ca_key.get(), "gpwatch-sim MESH test CA", Role::ca, nullptr, nullptr);
    Owned<EVP_PKEY> server_key = make_key();
    Owned<X509> server = make_cert(server_key.get(), "localhost", Role::server, ca.get(), ca_key.get());
    Owned<EVP_PKEY> client_key = make_key();
    Owned<X509> client = make_cert(client_key.get(), client_common_name, Role::client, ca.get(), ca_key.get());
    // Keys first, CA last: a reader that sees the new CA also finds certificates it signed.
    // The keys are throw-away test keys; write_file_atomic leaves them readable so a daemon under
    // another user can use the client key.
    write_file_atomic(f.server_key, key_pem(server_key.get()));
    write_file_atomic(f.server_cert, cert_pem(server.get()));
    write_file_atomic(f.client_key, key_pem(client_key.get()));
    write_file_atomic(f.client_cert, cert_pem(client.get()));
    write_file_atomic(f.ca_cert, cert_pem(ca.get()));
    f.made = true;
    return f;
}

}  // namespace gpwatch::sim
