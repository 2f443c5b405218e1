#include "connectors/curl/curl_global.hpp"

#include <mutex>
#include <stdexcept>
#include <string>

#include <curl/curl.h>

namespace gpwatch::curl {

void ensure_global_init() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK)
        throw std::runtime_error(std::string("libcurl cannot start: ") + curl_easy_strerror(result));
}

}  // namespace gpwatch::curl
