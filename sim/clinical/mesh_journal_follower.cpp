#include "sim/clinical/mesh_journal_follower.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace gpwatch::sim {

namespace asio = boost::asio;
namespace json = boost::json;

std::optional<std::string> delivered_update_record_id(std::string_view journal_line) {
    boost::system::error_code ec;
    const json::value v = json::parse(journal_line, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& line = v.as_object();
    auto text = [&](std::string_view key) -> std::string_view {
        const json::value* f = line.if_contains(key);
        return f && f->is_string() ? std::string_view(f->as_string()) : std::string_view{};
    };
    if (text("event") != "delivered" || text("message_type") != "DATA") return std::nullopt;
    const std::string_view id = text("update_record_id");
    if (id.empty()) return std::nullopt;
    return std::string(id);
}

MeshJournalFollower::MeshJournalFollower(asio::io_context& ioc, std::string path, std::chrono::milliseconds interval,
                                         OnUpdateRecord on_update_record)
    : ioc_(ioc),
      path_(std::move(path)),
      interval_(interval),
      on_update_record_(std::move(on_update_record)),
      timer_(ioc) {}

void MeshJournalFollower::start() { asio::co_spawn(ioc_, run(), asio::detached); }

void MeshJournalFollower::stop() {
    stopped_ = true;
    timer_.cancel();
}

asio::awaitable<void> MeshJournalFollower::run() {
    while (!stopped_) {
        poll();
        timer_.expires_after(interval_);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
    }
}

std::size_t MeshJournalFollower::poll() {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT && !std::exchange(warned_, true))
            spdlog::warn("clinical sim: cannot open MESH journal {}: {}", path_, std::strerror(errno));
        return 0;  // not there yet (or gone): try again next time
    }
    std::size_t handed_on = 0;
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
        const auto device = static_cast<std::uint64_t>(st.st_dev), inode = static_cast<std::uint64_t>(st.st_ino);
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (!seen_file_) {
            spdlog::info("clinical sim: following MESH journal {} for Update Records", path_);
        } else if (device != device_ || inode != inode_ || size < offset_) {
            spdlog::info("clinical sim: MESH journal {} was replaced or truncated; reading it from the start", path_);
            offset_ = 0;
            partial_.clear();
        }
        seen_file_ = true;
        device_ = device;
        inode_ = inode;

        std::string chunk;
        while (offset_ < size && chunk.size() < kMaxReadPerPoll) {
            char buf[64 * 1024];
            const std::size_t want = std::min<std::uint64_t>(sizeof buf, size - offset_);
            const ssize_t got = ::pread(fd, buf, want, static_cast<off_t>(offset_));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;
            chunk.append(buf, static_cast<std::size_t>(got));
            offset_ += static_cast<std::uint64_t>(got);
        }
        partial_ += chunk;
        std::size_t begin = 0;
        for (std::size_t nl; (nl = partial_.find('\n', begin)) != std::string::npos; begin = nl + 1) {
            if (auto id = delivered_update_record_id(std::string_view(partial_).substr(begin, nl - begin))) {
                ++handed_on;
                on_update_record_(*id);
            }
        }
        partial_.erase(0, begin);
    } else if (!std::exchange(warned_, true)) {
        spdlog::warn("clinical sim: cannot stat MESH journal {}: {}", path_, std::strerror(errno));
    }
    ::close(fd);
    return handed_on;
}

}  // namespace gpwatch::sim
