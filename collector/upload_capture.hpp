#pragma once
// --capture-dir: every upload request the collector receives (request line, headers, body) is
// written to its own file, for audits and for the privacy test, which searches every byte a
// practice sent for anything about patients. Files are named "<unix-ns>-<n>.http" and appear
// whole (written to a temporary name, then renamed).

#include <cstdint>
#include <string>
#include <string_view>

namespace gpwatch::collector {

class UploadCapture {
public:
    // Creates `dir` when missing; throws std::runtime_error naming it when it cannot.
    explicit UploadCapture(std::string dir);

    // Writes one request; a failure is logged, never fatal to the upload.
    void save(std::string_view raw_request);

private:
    std::string dir_;
    std::uint64_t sequence_ = 0;
};

}  // namespace gpwatch::collector
