#pragma once
// gzip (RFC 1952) with zlib, for MESH chunks served with Content-Encoding: gzip.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gpwatch::sim {

std::string gzip_compress(std::string_view plain);

// nullopt when `compressed` is not a complete gzip stream or would inflate beyond `max_size`.
std::optional<std::string> gzip_decompress(std::string_view compressed, std::size_t max_size);

}  // namespace gpwatch::sim
