#!/usr/bin/env bash
# Configures and builds gpwatch into build/ (binaries in build/bin), -O2 without debug info (see
# CMakeLists.txt), with gpwatch-sim even when the tests are off: the demo (scripts/demo.sh) runs
# it. Extra args go to cmake, e.g. -DCMAKE_BUILD_TYPE=RelWithDebInfo.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGPWATCH_SIM=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
