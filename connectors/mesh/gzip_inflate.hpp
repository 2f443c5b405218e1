#pragma once
// gzip (RFC 1952) decompression with zlib, for MESH chunks that arrive with
// Content-Encoding: gzip. Each chunk is a gzip stream of its own.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gpwatch::mesh {

struct InflateResult {
    std::optional<std::string> data;  // set on success
    bool too_large = false;           // the output would have passed `max_size`
    std::string error;                // why it failed otherwise (zlib's words)
};

// Inflates one complete gzip stream, refusing to produce more than `max_size` bytes so a small
// "zip bomb" cannot blow the memory up. Trailing bytes after the stream are an error.
InflateResult gunzip(std::string_view compressed, std::size_t max_size);

}  // namespace gpwatch::mesh
