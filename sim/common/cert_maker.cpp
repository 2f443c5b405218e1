#include "sim/common/cert_maker.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

[[noreturn]] void fail(const std::string& what) {
    std::string reason = "unknown error";
    if (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        reason = buf;
    }
    ERR_clear_error();
    throw std::runtime_error("certificate maker: " + what + ": " + reason);
}

Owned<EVP_PKEY> make_key() {
    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key) fail("EC P-256 key generation");
    return key;
}

void set_name(X509_NAME* name, const std::string& organisation, const std::string& common_name) {
    auto add = [&](const char* field, const std::string& value) {
        if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0))
            fail(std::string("name entry ") + field);
    };
    add("C", "GB");
    add("O", organisation);
    add("CN", common_name);
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || !X509_add_ext(cert, ext.get(), -1)) fail(std::string("extension ") + OBJ_nid2sn(nid));
}

// Who a certificate is for: the CA itself (self-signed) or a leaf the CA signs.
enum class Role { ca, server, client };

// What a certificate says besides its key and common name.
struct Profile {
    std::string organisation;
    long valid_days = 30;
};

// A certificate for `key` named `common_name`, issued by (issuer, issuer_key); self-signed when
// role is Role::ca (issuer and issuer_key unused).
Owned<X509> make_cert(EVP_PKEY* key, const std::string& common_name, const Profile& profile, Role role,
                      X509* issuer, EVP_PKEY* issuer_key) {
    Owned<X509> cert(X509_new());
    if (!cert || !X509_set_version(cert.get(), 2)) fail("X509_new");

    unsigned char serial_bytes[16];
    if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) fail("serial number");
    serial_bytes[0] &= 0x7f;  // positive
    Owned<BIGNUM> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
    if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) fail("serial number");

    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), profile.valid_days * 24 * 3600))
        fail("validity");
    if (!X509_set_pubkey(cert.get(), key)) fail("public key");
    set_name(X509_get_subject_name(cert.get()), profile.organisation, common_name);
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
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_to_pem(X509* cert) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_X509(bio.get(), cert)) fail("PEM certificate");
    return bio_string(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) fail("PEM key");
    return bio_string(bio.get());
}

}  // namespace

struct TestCa::State {
    Profile profile;
    Owned<EVP_PKEY> key;
    Owned<X509> cert;
    std::string cert_pem;
};

TestCa::TestCa(const std::string& organisation, const std::string& common_name, long valid_days)
    : state_(std::make_unique<State>()) {
    state_->profile = {organisation, valid_days};
    state_->key = make_key();
    state_->cert = make_cert(state_->key.get(), common_name, state_->profile, Role::ca, nullptr, nullptr);
    state_->cert_pem = cert_to_pem(state_->cert.get());
}

TestCa::~TestCa() = default;

const std::string& TestCa::cert_pem() const { return state_->cert_pem; }

LeafCert TestCa::issue(LeafRole role, const std::string& common_name) const {
    Owned<EVP_PKEY> key = make_key();
    Owned<X509> cert = make_cert(key.get(), common_name, state_->profile,
                                 role == LeafRole::server ? Role::server : Role::client, state_->cert.get(),
                                 state_->key.get());
    return {cert_to_pem(cert.get()), key_to_pem(key.get())};
}

CertBundle make_ca_and_server_cert() {
    const TestCa ca("gpwatch simulator", "gpwatch-sim test CA", 30);
    LeafCert server = ca.issue(LeafRole::server, "localhost");
    return {ca.cert_pem(), std::move(server.cert_pem), std::move(server.key_pem)};
}

bool cert_file_valid_for(const std::string& path, long seconds) {
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
    time_t later = time(nullptr) + seconds;
    return X509_cmp_time(X509_get0_notAfter(cert.get()), &later) > 0;
}

void write_file_atomic(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    if (ec) throw std::runtime_error("cannot create directory " + target.parent_path().string() + ": " + ec.message());

    std::string tmp = path + ".tmp.XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(err));
        }
        done += static_cast<std::size_t>(n);
    }
    // The CA certificate is public; readable by all so a daemon under another user can use it.
    ::fchmod(fd, 0644);
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(err));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + std::strerror(err));
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace gpwatch::sim
