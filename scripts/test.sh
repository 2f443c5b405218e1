#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run every test (unit and
# integration) with CTest; then the Update Record parser's libFuzzer target for a fixed time, and
# the unit tests built again with AddressSanitizer and UndefinedBehaviorSanitizer (build-sanitize/;
# the Beast-heavy network tests are left out of that pass for compile time: see
# tests/CMakeLists.txt). Exits non-zero if anything fails.
# GPWATCH_SKIP_SANITIZERS=1 skips the sanitizer pass (it adds a few minutes on a cold machine).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)

# The fuzzer runs on one core for a fixed time (scripts/fuzz.sh, build-fuzz/); the sanitizer
# build takes the other core meanwhile instead of waiting for it. Its output goes to a log that
# is printed when it ends.
mkdir -p build-fuzz
scripts/fuzz.sh >build-fuzz/fuzz.log 2>&1 &
fuzz_pid=$!

sanitizer_status=0
if [[ "${GPWATCH_SKIP_SANITIZERS:-0}" != 1 ]]; then
  echo "test.sh: unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  # -g1: line tables for the sanitizers' stack traces, without the cost of full debug info.
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
        -DGPWATCH_SANITIZE=ON -DGPWATCH_BENCH=OFF >/dev/null
  # Any sanitizer report fails the test that triggered it.
  (cmake --build build-sanitize --target sanitizer_unit_tests -j"$(nproc)" &&
   cd build-sanitize &&
   ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest -L unit --output-on-failure -j"$(nproc)" --timeout 600) || sanitizer_status=$?
fi

fuzz_status=0
wait "$fuzz_pid" || fuzz_status=$?
echo "test.sh: libFuzzer (build-fuzz/fuzz.log):"
grep -E "^fuzz.sh:|^Done |^stat::number_of_executed_units|ERROR|SUMMARY|artifact" build-fuzz/fuzz.log || true
if ((fuzz_status != 0)); then
  tail -n 60 build-fuzz/fuzz.log
  echo "test.sh: the fuzzer failed (exit $fuzz_status); the input is in build-fuzz/artifacts/" >&2
fi
((sanitizer_status == 0)) || echo "test.sh: the sanitizer pass failed (exit $sanitizer_status)" >&2
((fuzz_status == 0 && sanitizer_status == 0))
