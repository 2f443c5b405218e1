#include "connectors/curl/secret_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace gpwatch::curl {

namespace {
constexpr std::size_t kMaxSecret = 64 * 1024;
constexpr const char* kCredentialPrefix = "credential:";
}  // namespace

std::string resolve_secret_path(const std::string& reference) {
    const std::string prefix = kCredentialPrefix;
    if (reference.rfind(prefix, 0) != 0) return reference;
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir || !*dir) return {};
    return std::string(dir) + "/" + reference.substr(prefix.size());
}

std::optional<std::string> read_secret_file(const std::string& reference, std::string& error) {
    const std::string path = resolve_secret_path(reference);
    if (path.empty()) {
        error = "cannot read " + reference + ": CREDENTIALS_DIRECTORY is not set (is LoadCredential= in the unit?)";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::string content;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        content.append(buf, static_cast<std::size_t>(in.gcount()));
        if (content.size() > kMaxSecret) {
            error = path + " is larger than 64 KiB: not a secret file";
            return std::nullopt;
        }
    }
    while (!content.empty() && std::strchr(" \t\r\n", content.back())) content.pop_back();
    if (content.empty()) {
        error = path + " is empty";
        return std::nullopt;
    }
    return content;
}

}  // namespace gpwatch::curl
