#pragma once
// Ed25519 keys and signatures for IncidentReports, through OpenSSL 3 (EVP, one-shot
// EVP_DigestSign with no digest, as RFC 8032 Ed25519 requires).
//
// The practice holds a private key (a PEM file an admin makes with
// `openssl genpkey -algorithm ed25519`); the LMC registers its public key with the collector.
// The key id names a public key in logs and envelopes without being the key:
// "ed25519:" + the first 16 hex digits of SHA-256 over the raw 32-byte public key.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gpwatch::report { class IncidentReport; }

namespace gpwatch::reporting {

// Thrown for a key that cannot be read or is not Ed25519; the message names the file and why.
struct KeyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SigningKey {
public:
    static SigningKey load_pem_file(const std::string& path);  // throws KeyError
    static SigningKey generate();                              // for tests and `keygen`
    SigningKey(SigningKey&&) noexcept;
    SigningKey& operator=(SigningKey&&) noexcept;
    ~SigningKey();

    std::string sign(std::string_view bytes) const;  // the 64-byte signature
    std::string public_key_pem() const;              // SubjectPublicKeyInfo PEM
    std::string private_key_pem() const;             // PKCS#8 PEM (keygen writes it, mode 0600)
    std::string key_id() const;

private:
    struct Impl;
    explicit SigningKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

class VerifyKey {
public:
    static VerifyKey from_pem(std::string_view pem);  // throws KeyError
    VerifyKey(VerifyKey&&) noexcept;
    VerifyKey& operator=(VerifyKey&&) noexcept;
    ~VerifyKey();

    bool verify(std::string_view bytes, std::string_view signature) const;
    std::string public_key_pem() const;
    std::string key_id() const;

private:
    struct Impl;
    explicit VerifyKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The wire bytes of a SignedIncidentReport holding `report`, signed by `key`.
std::string seal_report(const report::IncidentReport& report, const SigningKey& key);

}  // namespace gpwatch::reporting
