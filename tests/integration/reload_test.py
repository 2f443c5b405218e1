#!/usr/bin/python3
"""SIGHUP reload: a valid new file takes effect without a restart; an invalid one is refused with a
log line naming file, line and setting, and the previous settings stay in force. No write is lost
and nothing is alerted twice across the reloads.

usage: reload_test.py BIN_DIR"""

import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Simulator, check, log, practice_daemon, run, wait_for, write_settings  # noqa: E402

BIN_DIR = sys.argv[1]
NTV21_ALLOWED = """    - ods: NTV21
      name: NHS 111 Leicestershire
      review_within: 1h"""


def ntv21_writes(daemon):
    return [w for w in daemon.ctl_json("writes") if w["author_ods"] == "NTV21"]


def log_text(workdir):
    with open(os.path.join(workdir, "gpwatchd.log")) as f:
        return f.read()


def main(workdir):
    sim = Simulator(BIN_DIR, workdir, "--rate", "100", "--seed", "11", "--count", "3000")
    daemon = practice_daemon(BIN_DIR, workdir, sim)
    state, config = daemon.state_dir, daemon.config
    try:
        daemon.start()
        wait_for(lambda: os.path.exists(os.path.join(state, "ledger.sqlite")) and len(ntv21_writes(daemon)) >= 3,
                 20, "NTV21 writes under the first settings")
        check(all("unknown_writer" in w["reasons"] for w in ntv21_writes(daemon)),
              "NTV21 is not listed at first: its writes must be unknown_writer")

        # 1. A valid file that allows NTV21: new NTV21 writes are no longer unknown_writer.
        write_settings(config, sim, state, extra_allowed=NTV21_ALLOWED)
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload: settings from" in log_text(workdir), 10, "the reload to be logged")
        before = {w["id"] for w in ntv21_writes(daemon)}
        wait_for(lambda: len([w for w in ntv21_writes(daemon) if w["id"] not in before]) >= 3, 30,
                 "NTV21 writes after the reload")
        after_valid = [w for w in ntv21_writes(daemon) if w["id"] not in before]
        check(all("unknown_writer" not in w["reasons"] for w in after_valid),
              "after the valid reload NTV21 writes are still unknown_writer")
        log(f"valid reload in force: {len(after_valid)} NTV21 writes since, none unknown_writer")

        # 2. An invalid file: refused, named precisely, and the previous (valid) settings stay.
        with open(config) as f:
            good = f.read()
        with open(config, "w") as f:
            f.write(good.replace("review_within: 3s", "review_within: three seconds"))
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused:" in log_text(workdir), 10, "the refusal to be logged")
        refusal = [l for l in log_text(workdir).splitlines() if "reload refused:" in l]
        check(any(re.search(re.escape(config) + r":\d+:\d+: organisations\.allowed\[0\]\.review_within", l)
                  for l in refusal), f"the refusal does not name file:line:column and setting: {refusal}")
        seen = {w["id"] for w in ntv21_writes(daemon)}
        wait_for(lambda: len([w for w in ntv21_writes(daemon) if w["id"] not in seen]) >= 3, 30,
                 "NTV21 writes after the refused reload")
        check(daemon.alive(), "gpwatchd died on an invalid reload")
        after_invalid = [w for w in ntv21_writes(daemon) if w["id"] not in seen]
        check(all("unknown_writer" not in w["reasons"] for w in after_invalid),
              "after a refused reload the previous settings must stay (NTV21 allowed)")
        log(f"invalid reload refused: {refusal[0].split('reload refused: ')[1]}")

        sim.wait_all_generated(timeout=60)
        wait_for(lambda: daemon.ctl_json("status")[0]["cursors"].get("clinical") == 3000, 30, "catch-up")
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()

    journal = sim.journal_events()
    third_party = {e["entry"]["id"] for e in journal
                   if e["event"].startswith("entry.") and e["entry"]["author"]["ods"] != "C84001"}
    # Processor-drift rows (a sharing.changed departing from the settings) are not writes.
    ids = [w["upstream_id"] for w in daemon.ctl_json("writes") if w["event"] != "sharing.changed"]
    check(len(ids) == len(set(ids)) and set(ids) == third_party,
          "across the reloads a write was lost or recorded twice")
    alerts = daemon.ctl_json("alerts")
    keys = [(a["write_id"], a["reason"]) for a in alerts if a.get("kind", "write") == "write"]
    check(len(keys) == len(set(keys)), "an alert was repeated across the reloads")
    # The refused reload is also told to the practice, once, as an internal alert.
    refused = [a for a in alerts if a.get("kind") == "internal" and a["reason"] == "reload_refused"]
    check(len(refused) == 1, f"expected one reload_refused internal alert, got {len(refused)}")
    log(f"{len(ids)} writes exactly once, {len(keys)} alerts none repeated")


run(main)
