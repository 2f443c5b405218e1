#pragma once
// `gpwatch-collector serve`: opens the store, starts the upload and web listeners, prints
// "listening upload=HOST:PORT" and "listening web=HOST:PORT" (the bound ports, so port 0 works),
// and runs until SIGTERM or SIGINT: then it stops accepting, lets requests in progress finish,
// and exits 0 (anything still running after 5 s is cut off).

#include <string>

#include "collector/collector_settings.hpp"

namespace gpwatch::collector {

int run_serve(const CollectorSettings& settings, const std::string& capture_dir);

}  // namespace gpwatch::collector
