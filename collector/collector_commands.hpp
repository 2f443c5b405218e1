#pragma once
// The one-shot commands: register, practices, export-csv. Each returns the process exit code
// (0 ok, 1 runtime error, 2 bad input) and prints its result on stdout, errors on stderr.

#include "collector/collector_cli.hpp"
#include "collector/collector_settings.hpp"

namespace gpwatch::collector {

int run_register(const CollectorSettings& settings, const CliOptions& options);
int run_practices(const CollectorSettings& settings, const CliOptions& options);
int run_export_csv(const CollectorSettings& settings, const CliOptions& options);

}  // namespace gpwatch::collector
