#pragma once
// CertMaker: a throw-away certificate authority and a server certificate it signs, made with the
// OpenSSL 3 C API at simulator start, so clients can verify the feed's TLS without any setup.

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

// Writes `content` to `path` via a temporary file in the same directory and rename(2), so a
// reader never sees a half-written file. Creates the directory if missing. Throws on failure.
void write_file_atomic(const std::string& path, const std::string& content);

// Reads a whole file; throws std::runtime_error naming the file on failure.
std::string read_file(const std::string& path);

}  // namespace gpwatch::sim
