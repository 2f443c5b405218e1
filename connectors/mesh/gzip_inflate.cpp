#include "connectors/mesh/gzip_inflate.hpp"

#include <array>
#include <climits>

#include <zlib.h>

namespace gpwatch::mesh {

InflateResult gunzip(std::string_view compressed, std::size_t max_size) {
    InflateResult result;
    z_stream zs{};
    // 15 + 16: the largest window, and expect a gzip header and trailer (not zlib, not raw).
    if (inflateInit2(&zs, 15 + 16) != Z_OK) {
        result.error = "zlib could not start";
        return result;
    }
    std::string out;
    std::array<unsigned char, 64 * 1024> buf{};
    std::size_t fed = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (zs.avail_in == 0 && fed < compressed.size()) {
            const std::size_t step = std::min<std::size_t>(compressed.size() - fed, UINT_MAX);
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + fed));
            zs.avail_in = static_cast<uInt>(step);
            fed += step;
        }
        zs.next_out = buf.data();
        zs.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            // Z_BUF_ERROR with no input left means the stream was cut short.
            result.error = rc == Z_BUF_ERROR ? "the gzip stream is truncated"
                                             : std::string("not valid gzip: ") + (zs.msg ? zs.msg : "zlib error");
            inflateEnd(&zs);
            return result;
        }
        const std::size_t produced = buf.size() - zs.avail_out;
        if (out.size() + produced > max_size) {
            result.too_large = true;
            result.error = "inflates to more than " + std::to_string(max_size) + " bytes";
            inflateEnd(&zs);
            return result;
        }
        out.append(reinterpret_cast<const char*>(buf.data()), produced);
    }
    const bool trailing = zs.avail_in != 0 || fed != compressed.size();
    inflateEnd(&zs);
    if (trailing) {
        result.error = "bytes follow the end of the gzip stream";
        return result;
    }
    result.data = std::move(out);
    return result;
}

}  // namespace gpwatch::mesh
