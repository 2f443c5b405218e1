#include "collector/upload_capture.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

namespace gpwatch::collector {

namespace fs = std::filesystem;

UploadCapture::UploadCapture(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_)) throw std::runtime_error("cannot use capture directory " + dir_ + ": " + ec.message());
}

void UploadCapture::save(std::string_view raw_request) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    const std::string name = std::to_string(ns) + "-" + std::to_string(++sequence_) + ".http";
    const fs::path final_path = fs::path(dir_) / name;
    const fs::path temp_path = fs::path(dir_) / ("." + name + ".tmp");
    {
        std::ofstream out(temp_path, std::ios::binary);
        out.write(raw_request.data(), static_cast<std::streamsize>(raw_request.size()));
        if (!out) {
            spdlog::warn("capture: cannot write {}", temp_path.string());
            return;
        }
    }
    std::error_code ec;
    fs::rename(temp_path, final_path, ec);
    if (ec) spdlog::warn("capture: cannot rename to {}: {}", final_path.string(), ec.message());
}

}  // namespace gpwatch::collector
