#include "reporting/report_signing.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "proto/incident_report.pb.h"

namespace gpwatch::reporting {

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The oldest error OpenSSL queued, as text; clears the queue so later calls start clean.
std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

void require_ed25519(const EVP_PKEY* key, const std::string& what) {
    if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        throw KeyError(what + ": not an Ed25519 key (make one with `openssl genpkey -algorithm ed25519`)");
    }
}

std::string key_id_of(const EVP_PKEY* key) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw) {
        throw KeyError("cannot read the raw Ed25519 public key: " + openssl_error());
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(raw, len, digest);
    std::string id = "ed25519:";
    char hex[3];
    for (int i = 0; i < 8; ++i) {  // 8 bytes = 16 hex digits
        std::snprintf(hex, sizeof hex, "%02x", digest[i]);
        id += hex;
    }
    return id;
}

std::string public_pem_of(EVP_PKEY* key) {
    Bio bio{BIO_new(BIO_s_mem())};
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
        throw KeyError("cannot write the public key: " + openssl_error());
    }
    return bio_contents(bio.get());
}

}  // namespace

struct SigningKey::Impl {
    Pkey key;
};

struct VerifyKey::Impl {
    Pkey key;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

SigningKey SigningKey::load_pem_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw KeyError(path + ": cannot open the signing key");
    std::stringstream text;
    text << in.rdbuf();
    const std::string pem = text.str();
    Bio bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    Pkey key{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
    if (!key) throw KeyError(path + ": not a PEM private key (" + openssl_error() + ")");
    require_ed25519(key.get(), path);
    return SigningKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

SigningKey SigningKey::generate() {
    Pkey key{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
    if (!key) throw KeyError("cannot generate an Ed25519 key: " + openssl_error());
    return SigningKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

std::string SigningKey::sign(std::string_view bytes) const {
    MdCtx ctx{EVP_MD_CTX_new()};
    // Ed25519 hashes internally (PureEdDSA): no digest is named, and only the one-shot call works.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) {
        throw KeyError("cannot start an Ed25519 signature: " + openssl_error());
    }
    std::string signature(64, '\0');
    std::size_t len = signature.size();
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
        throw KeyError("Ed25519 signing failed: " + openssl_error());
    }
    signature.resize(len);
    return signature;
}

std::string SigningKey::public_key_pem() const { return public_pem_of(impl_->key.get()); }

std::string SigningKey::private_key_pem() const {
    Bio bio{BIO_new(BIO_s_mem())};
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0,
                                         nullptr, nullptr) != 1) {
        throw KeyError("cannot write the private key: " + openssl_error());
    }
    return bio_contents(bio.get());
}

std::string SigningKey::key_id() const { return key_id_of(impl_->key.get()); }

VerifyKey::VerifyKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VerifyKey::VerifyKey(VerifyKey&&) noexcept = default;
VerifyKey& VerifyKey::operator=(VerifyKey&&) noexcept = default;
VerifyKey::~VerifyKey() = default;

VerifyKey VerifyKey::from_pem(std::string_view pem) {
    Bio bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    Pkey key{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)};
    if (!key) throw KeyError("not a PEM public key (" + openssl_error() + ")");
    require_ed25519(key.get(), "public key");
    return VerifyKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

bool VerifyKey::verify(std::string_view bytes, std::string_view signature) const {
    if (signature.size() != 64) return false;
    MdCtx ctx{EVP_MD_CTX_new()};
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) {
        ERR_clear_error();
        return false;
    }
    const int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                    signature.size(),
                                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    ERR_clear_error();  // a failed verification queues an error nobody will read
    return ok == 1;
}

std::string VerifyKey::public_key_pem() const { return public_pem_of(impl_->key.get()); }

std::string VerifyKey::key_id() const { return key_id_of(impl_->key.get()); }

std::string seal_report(const report::IncidentReport& report, const SigningKey& key) {
    report::SignedIncidentReport envelope;
    std::string bytes;
    if (!report.SerializeToString(&bytes)) throw KeyError("cannot serialise the incident report");
    envelope.set_signature(key.sign(bytes));
    envelope.set_key_id(key.key_id());
    envelope.set_report(std::move(bytes));
    std::string wire;
    if (!envelope.SerializeToString(&wire)) throw KeyError("cannot serialise the signed report");
    return wire;
}

}  // namespace gpwatch::reporting
