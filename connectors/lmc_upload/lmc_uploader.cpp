#include "connectors/lmc_upload/lmc_uploader.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "connectors/curl/curl_global.hpp"
#include "connectors/curl/https_post.hpp"

namespace gpwatch::lmc_upload {

namespace {

bool readable(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return in.good();
}

}  // namespace

std::string check_options(const UploadOptions& o) {
    if (o.url.rfind("https://", 0) != 0 || o.url.size() <= 8)
        return "reporting.upload.url must be an https:// URL: '" + o.url + "'";
    if (o.timeout.count() <= 0) return "reporting.upload.timeout must be positive";
    if (o.client_cert_file.empty() != o.client_key_file.empty())
        return "reporting.upload needs both client_cert_file and client_key_file, or neither";
    const std::pair<const char*, const std::string*> files[] = {
        {"ca_file", &o.ca_file}, {"client_cert_file", &o.client_cert_file}, {"client_key_file", &o.client_key_file}};
    for (const auto& [name, path] : files)
        if (!path->empty() && !readable(*path))
            return std::string("reporting.upload.") + name + ": cannot read " + *path;
    return "";
}

LmcUploader::LmcUploader(UploadOptions options) : options_(std::move(options)) {
    if (auto problem = check_options(options_); !problem.empty()) throw std::invalid_argument(problem);
    curl::ensure_global_init();
}

UploadOutcome LmcUploader::upload(std::string_view body) {
    curl::PostRequest request;
    request.url = options_.url;
    request.ca_file = options_.ca_file;
    request.client_cert_file = options_.client_cert_file;
    request.client_key_file = options_.client_key_file;
    request.total_timeout = options_.timeout;
    request.connect_timeout = std::min(options_.timeout, std::chrono::seconds(10));
    request.cancel = &cancelled_;
    request.body.assign(body.data(), body.size());
    request.headers = {
        "Content-Type: application/x-protobuf",
        "Accept: application/json",
        "User-Agent: gpwatch",
        "Expect:",  // send the (small) body at once; no 100-continue round trip
    };
    if (cancelled_.load()) {
        curl::PostResponse none;
        none.cancelled = true;
        return classify(none, body);
    }
    return classify(curl::https_post(request), body);
}

}  // namespace gpwatch::lmc_upload
