#include "connectors/mail/maildir_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace gpwatch::mail {

namespace fs = std::filesystem;

namespace {

bool write_all_and_sync(const std::string& path, const std::string& data, std::string& error) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    std::size_t done = 0;
    while (done < data.size()) {
        auto n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = "cannot write " + path + ": " + std::strerror(errno);
            ::close(fd);
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        error = "cannot sync " + path + ": " + std::strerror(errno);
        ::close(fd);
        return false;
    }
    ::close(fd);
    return true;
}

void sync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

MaildirSink::MaildirSink(std::string directory, Envelope envelope)
    : dir_(std::move(directory)), env_(std::move(envelope)) {
    std::error_code ec;
    for (const char* sub : {"tmp", "new", "cur"}) {
        fs::create_directories(fs::path(dir_) / sub, ec);
        if (ec)
            throw std::runtime_error("cannot create the duty inbox folder " +
                                     (fs::path(dir_) / sub).string() + ": " + ec.message());
    }
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    host_ = host;
    for (auto& c : host_)
        if (c == '/' || c == ':') c = '_';
}

DeliveryResult MaildirSink::deliver(const Alert& alert) {
    // Maildir names are "time.unique.host"; the unique part is the alert id so it never repeats.
    const std::string base = std::to_string(alert.created_at) + ".gpwatch-alert-" +
                             std::to_string(alert.id) + "." + host_;
    const auto new_path = fs::path(dir_) / "new" / base;
    // Already delivered: in new/, or moved to cur/ by a mail client (which appends ":2,FLAGS").
    std::error_code ec;
    if (fs::exists(new_path, ec)) return {true, false, ""};
    for (const auto& e : fs::directory_iterator(fs::path(dir_) / "cur", ec))
        if (e.path().filename().string().rfind(base, 0) == 0) return {true, false, ""};

    const auto tmp_path = fs::path(dir_) / "tmp" / base;
    std::string error;
    // RFC 5322 on the wire is CRLF; a Maildir on disk holds Unix line ends, as mail clients expect.
    std::string message = format_message(alert, env_);
    std::string on_disk;
    on_disk.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i)
        if (!(message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n')) on_disk += message[i];
    if (!write_all_and_sync(tmp_path.string(), on_disk, error))
        return {false, true, error};
    if (::rename(tmp_path.c_str(), new_path.c_str()) != 0)
        return {false, true, "cannot move the message into " + new_path.string() + ": " + std::strerror(errno)};
    sync_directory((fs::path(dir_) / "new").string());
    return {true, false, ""};
}

}  // namespace gpwatch::mail
