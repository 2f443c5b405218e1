#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run every test (unit and
# integration) with CTest. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
