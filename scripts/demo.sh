#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run the demo: the clinical-system
# simulator, the MESH mailbox simulator (GP Connect Update Record messages from community
# pharmacies) and gpwatchd on config/gpwatchd.yaml, raising alerts as they happen, until Ctrl-C.
# Alerts land as e-mails in run/demo/duty-inbox/new/ (one RFC 5322 file each); alerts about
# gpwatchd itself in run/demo/admin-inbox/new/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

state=run/demo
rm -rf "$state"            # a fresh simulator starts at seq 1: start the ledger afresh too
mkdir -p "$state"

build/bin/gpwatch-sim clinical --journal "$state/sim-journal.jsonl" --update-records "$state/mesh-journal.jsonl" 2>"$state/sim.log" &
sim=$!
build/bin/gpwatch-sim mesh --journal "$state/mesh-journal.jsonl" >"$state/mesh-sim.out" 2>"$state/mesh-sim.log" &
mesh=$!
cleanup() {
  kill "$sim" "$mesh" 2>/dev/null || true
  wait "$sim" "$mesh" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do
  [[ -s /tmp/gpwatch-sim/ca.pem && -s /tmp/gpwatch-sim/mesh/client.key ]] && break
  sleep 0.1
done

echo
echo "gpwatch demo: clinical simulator pid $sim, MESH simulator pid $mesh; alerts are logged below and written to $state/duty-inbox/new/"
echo "  in another terminal:  build/bin/gpwatchctl --config config/gpwatchd.yaml --state-dir $state alerts"
echo "  what came from MESH:  build/bin/gpwatchctl --config config/gpwatchd.yaml --state-dir $state mesh"
echo "  how gpwatchd is:      build/bin/gpwatchctl --config config/gpwatchd.yaml --state-dir $state status"
echo "  alerts about gpwatchd itself go to the IT admin's $state/admin-inbox/new/"
echo "  Ctrl-C stops all three."
echo
build/bin/gpwatchd --config config/gpwatchd.yaml --state-dir "$state" || true
