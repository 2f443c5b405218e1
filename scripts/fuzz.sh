#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (build-fuzz/) and runs the Update Record
# parser's for a fixed time, seeded with the test messages in tests/data/update_record. Exits
# non-zero when the fuzzer finds a crash, a sanitizer report or a broken contract (the crashing
# input is left in build-fuzz/artifacts/). GPWATCH_FUZZ_SECONDS changes the time (default 60),
# GPWATCH_FUZZ_BUILD_DIR the build folder (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${GPWATCH_FUZZ_SECONDS:-60}"
build="${GPWATCH_FUZZ_BUILD_DIR:-build-fuzz}"

CXX=clang++ cmake -S fuzz -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target update_record_fuzz -j"$(nproc)"

# libFuzzer adds what it finds to the first corpus folder: a scratch copy keeps the seeds clean.
corpus="$build/corpus/update_record"
mkdir -p "$corpus" "$build/artifacts"
cp tests/data/update_record/*.xml tests/data/update_record/*.json "$corpus"/

echo "fuzz.sh: update_record_fuzz for ${seconds}s"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build/update_record_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -dict=fuzz/update_record.dict -artifact_prefix="$build/artifacts/" -print_final_stats=1 "$corpus"
