#include "connectors/mesh/mesh_auth.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace gpwatch::mesh {

std::string format_mesh_timestamp(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char buf[32];  // roomy enough for any int the compiler can imagine
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min);
    return buf;
}

std::string authorization_hash(std::string_view shared_secret, std::string_view mailbox,
                               std::string_view nonce, std::string_view nonce_count,
                               std::string_view password, std::string_view timestamp) {
    std::string msg;
    msg.reserve(mailbox.size() + nonce.size() + nonce_count.size() + password.size() +
                timestamp.size() + 4);
    msg.append(mailbox).append(":").append(nonce).append(":").append(nonce_count).append(":");
    msg.append(password).append(":").append(timestamp);

    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), shared_secret.data(), static_cast<int>(shared_secret.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac.data(), &len);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[mac[i] >> 4]);
        out.push_back(hex[mac[i] & 0xf]);
    }
    return out;
}

std::string random_nonce() {
    std::array<unsigned char, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
        throw std::runtime_error("random_nonce: OpenSSL RAND_bytes failed");
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char buf[37];
    std::snprintf(buf, sizeof buf,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return buf;
}

std::string make_authorization(const MeshCredentials& c, std::string_view nonce,
                               std::uint64_t nonce_count,
                               std::chrono::system_clock::time_point now) {
    std::string count = std::to_string(nonce_count);
    std::string ts = format_mesh_timestamp(now);
    std::string hash = authorization_hash(c.shared_secret, c.mailbox, nonce, count, c.password, ts);
    std::string out = "NHSMESH ";
    out.append(c.mailbox).append(":").append(nonce).append(":").append(count).append(":");
    out.append(ts).append(":").append(hash);
    return out;
}

std::string fresh_authorization(const MeshCredentials& credentials) {
    return make_authorization(credentials, random_nonce(), 1, std::chrono::system_clock::now());
}

}  // namespace gpwatch::mesh
