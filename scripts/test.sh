#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run every test (unit and
# integration) with CTest; the unit tests again, built with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer (build-sanitize/; the Beast-heavy network tests are left out of that
# pass for compile time: see tests/CMakeLists.txt); and the Update Record parser's libFuzzer
# target for a fixed time (build-fuzz/). Exits non-zero if anything fails.
# GPWATCH_SKIP_SANITIZERS=1 skips the sanitizer pass (it adds a few minutes on a cold machine).
set -euo pipefail
cd "$(dirname "$0")/.."
# Background builds and the fuzzer must not outlive a failed run.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
scripts/install-deps.sh
scripts/build.sh

# The sanitizer pass is built with clang: a second compiler's warnings and sanitizers look at the
# same code from another side, and clang compiles it a third faster than g++ at -O0. -g1 keeps
# line tables for the stack traces without full debug info.
sanitize=0
[[ "${GPWATCH_SKIP_SANITIZERS:-0}" == 1 ]] || sanitize=1
if ((sanitize)); then
  CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
        -DGPWATCH_SANITIZE=ON -DGPWATCH_BENCH=OFF >/dev/null
  # Built at the lowest CPU priority while the main tests run: those mostly wait on sockets and
  # timers, and nice 19 leaves them the CPU whenever they want it.
  nice -n 19 cmake --build build-sanitize --target sanitizer_unit_tests -j"$(nproc)" \
    >build-sanitize/build.log 2>&1 &
  sanitize_build_pid=$!
fi

(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)

# The fuzzer runs on one core for a fixed time (scripts/fuzz.sh); the sanitizer build goes on
# beside it. Its output goes to build-fuzz/fuzz.log, summarised when it ends.
mkdir -p build-fuzz
scripts/fuzz.sh >build-fuzz/fuzz.log 2>&1 &
fuzz_pid=$!

sanitizer_status=0
if ((sanitize)); then
  echo "test.sh: unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
  if wait "$sanitize_build_pid"; then
    # Any sanitizer report fails the test that triggered it.
    (cd build-sanitize &&
     ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       ctest -L unit --output-on-failure -j"$(nproc)" --timeout 600) || sanitizer_status=$?
  else
    sanitizer_status=$?
    tail -n 60 build-sanitize/build.log
    echo "test.sh: the sanitizer build failed (build-sanitize/build.log)" >&2
  fi
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
