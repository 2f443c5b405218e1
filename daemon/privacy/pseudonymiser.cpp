#include "daemon/privacy/pseudonymiser.hpp"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace gpwatch {

Pseudonymiser Pseudonymiser::from_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
        std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (key.size() < 16) throw std::runtime_error("pseudonym key " + path + " is too short");
        return Pseudonymiser(std::move(key));
    }
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for the pseudonym key");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create pseudonym key " + path + ": " + std::strerror(errno));
    bool ok = ::write(fd, bytes, sizeof bytes) == static_cast<ssize_t>(sizeof bytes) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write pseudonym key " + path);
    return Pseudonymiser(std::string(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::string Pseudonymiser::pseudonym(std::string_view nhs_number) const {
    if (nhs_number.empty()) return "p-none";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(nhs_number.data()), nhs_number.size(), mac, &len);
    static const char* hex = "0123456789abcdef";
    std::string out = "p-";
    for (int i = 0; i < 6; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 15];
    }
    return out;
}

}  // namespace gpwatch
