#pragma once
// CertMaker: throw-away certificate authorities and the leaf certificates they sign, made with the
// OpenSSL 3 C API at simulator start, so clients can verify a simulator's TLS (and the MESH
// simulator can check a client certificate) without any setup. Both simulators make their
// certificates here; they differ only in names, lifetime and which leaves they issue.

#include <memory>
#include <string>

namespace gpwatch::sim {

struct CertBundle {
    std::string ca_cert_pem;      // what a client verifies against
    std::string server_cert_pem;  // leaf certificate: SAN IP:127.0.0.1, DNS:localhost
    std::string server_key_pem;   // PKCS#8, unencrypted
};

// EC P-256 keys, SHA-256 signatures, valid from an hour ago for 30 days. Throws std::runtime_error
// with OpenSSL's reason on failure.
CertBundle make_ca_and_server_cert();

// What a leaf certificate may be used for.
enum class LeafRole {
    server,  // serverAuth, SAN IP:127.0.0.1, DNS:localhost
    client,  // clientAuth
};

struct LeafCert {
    std::string cert_pem;
    std::string key_pem;  // PKCS#8, unencrypted
};

// A CA held in memory that signs leaf certificates. Every certificate (the CA's own included) has
// subject C=GB, O=`organisation`, CN as given, an EC P-256 key, a SHA-256 signature, and is valid
// from an hour ago for `valid_days`. Throws std::runtime_error with OpenSSL's reason on failure.
class TestCa {
public:
    TestCa(const std::string& organisation, const std::string& common_name, long valid_days);
    ~TestCa();
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    const std::string& cert_pem() const;
    LeafCert issue(LeafRole role, const std::string& common_name) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// True when `path` holds a PEM certificate still valid `seconds` from now; false when it is
// missing, unreadable, not a certificate, or expires sooner.
bool cert_file_valid_for(const std::string& path, long seconds);

// Writes `content` to `path` via a temporary file in the same directory and rename(2), so a
// reader never sees a half-written file. Creates the directory if missing. Throws on failure.
void write_file_atomic(const std::string& path, const std::string& content);

// Reads a whole file; throws std::runtime_error naming the file on failure.
std::string read_file(const std::string& path);

}  // namespace gpwatch::sim
