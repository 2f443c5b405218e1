#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run every test (unit and
# integration) with CTest; then build the unit tests again with AddressSanitizer and
# UndefinedBehaviorSanitizer and run them (build-sanitize/; the Beast-heavy network tests are
# left out of that pass for compile time: see tests/CMakeLists.txt). Exits non-zero if anything fails.
# GPWATCH_SKIP_SANITIZERS=1 skips the second pass (it adds a few minutes on a cold machine).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
scripts/fuzz.sh  # libFuzzer on the Update Record parser, 60 s (fuzz/)

if [[ "${GPWATCH_SKIP_SANITIZERS:-0}" != 1 ]]; then
  echo "test.sh: unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGPWATCH_SANITIZE=ON \
        -DGPWATCH_BENCH=OFF >/dev/null
  cmake --build build-sanitize --target sanitizer_unit_tests -j"$(nproc)"
  # Any sanitizer report fails the test that triggered it.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-sanitize && ctest -L unit --output-on-failure -j"$(nproc)" --timeout 600)
fi
