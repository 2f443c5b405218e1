#!/usr/bin/env bash
# Installs the Debian 12 packages gpwatch needs to build, test and run, and only those missing.
# Used by both quick-start commands (scripts/demo.sh and scripts/test.sh).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache
  # libraries (see docs/architecture.md, "Chosen parts")
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsqlite3-dev libyaml-cpp-dev
  libspdlog-dev libhowardhinnant-date-dev libsystemd-dev
  libpugixml-dev libcurl4-openssl-dev zlib1g-dev
  # LMC reports: the IncidentReport protobuf; the collector's PostgreSQL backend (libpq)
  protobuf-compiler libprotobuf-dev libpq-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 openssl sqlite3
  # real peers in tests: an SMTP server, Prometheus' promtool; clang's libFuzzer for the fuzz targets
  python3-aiosmtpd prometheus clang libclang-rt-14-dev
  # the collector's real peers in tests: a PostgreSQL server the test starts; Chromium for its page
  postgresql chromium
  # run time: the tz database for Europe/London
  tzdata ca-certificates
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
