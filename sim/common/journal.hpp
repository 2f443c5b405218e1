#pragma once
// Journal: every published event appended as one JSON line, flushed per line, so a test can
// compare what the simulator sent with what a client recorded.

#include <cstdio>
#include <string>
#include <string_view>

namespace gpwatch::sim {

class Journal {
public:
    // Opens `path` for appending; throws std::runtime_error naming the file on failure.
    explicit Journal(const std::string& path);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    void append(std::string_view json_line);

private:
    std::string path_;
    std::FILE* file_ = nullptr;
};

}  // namespace gpwatch::sim
