#pragma once
// libcurl's process-wide initialisation, done once before the first handle, from any thread.

namespace gpwatch::curl {

// Calls curl_global_init exactly once; throws std::runtime_error if libcurl cannot start.
void ensure_global_init();

}  // namespace gpwatch::curl
