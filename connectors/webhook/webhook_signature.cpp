#include "connectors/webhook/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gpwatch::webhook {

std::string signature(const std::string& secret, std::int64_t timestamp, const std::string& body) {
    const std::string signed_text = std::to_string(timestamp) + "." + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &mac_len);
    static const char* hex = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned i = 0; i < mac_len; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 15];
    }
    return out;
}

}  // namespace gpwatch::webhook
