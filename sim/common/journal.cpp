#include "sim/common/journal.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace gpwatch::sim {

Journal::Journal(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "a")) {
    if (!file_) throw std::runtime_error("cannot open journal " + path + ": " + std::strerror(errno));
}

Journal::~Journal() {
    if (file_) std::fclose(file_);
}

void Journal::append(std::string_view json_line) {
    // One write per line, then flush: a reader never sees half a line once the flush returned.
    std::string line(json_line);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
        spdlog::error("journal {}: write failed: {}", path_, std::strerror(errno));
}

}  // namespace gpwatch::sim
