#!/usr/bin/python3
"""The README's demo promise, with the shipped files as they are: `gpwatch-sim clinical` and
`gpwatch-sim mesh` with their defaults and gpwatchd on config/gpwatchd.yaml raise an
unauthorised_write and an unreviewed_overdue alert, and an alert about a GP Connect Update Record
from the MESH mailbox, within the first minute, and they reach the duty inbox.

usage: demo_first_minute_test.py BIN_DIR SOURCE_DIR"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Gpwatchd, check, log, maildir_messages, run  # noqa: E402

BIN_DIR, SOURCE_DIR = sys.argv[1], sys.argv[2]


def main(workdir):
    # Exactly the demo's simulator: no options (port 8443, CA in /tmp/gpwatch-sim).
    sim_log = open(os.path.join(workdir, "sim.log"), "w")
    sim = subprocess.Popen([os.path.join(BIN_DIR, "gpwatch-sim"), "clinical"], stdout=subprocess.PIPE,
                           stderr=sim_log, text=True)
    line = sim.stdout.readline()
    check("wss://127.0.0.1:8443/feed" in line, f"simulator did not start with its defaults: {line!r}")
    mesh_log = open(os.path.join(workdir, "mesh-sim.log"), "w")
    mesh = subprocess.Popen([os.path.join(BIN_DIR, "gpwatch-sim"), "mesh"], stdout=subprocess.PIPE,
                            stderr=mesh_log, text=True)
    line = mesh.stdout.readline()
    check("https://127.0.0.1:8444/messageexchange/C84001OT001" in line,
          f"MESH simulator did not start with its defaults: {line!r}")
    state = os.path.join(workdir, "state")
    daemon = Gpwatchd(BIN_DIR, os.path.join(SOURCE_DIR, "config", "gpwatchd.yaml"), state,
                      os.path.join(workdir, "gpwatchd.log"))
    started = time.time()
    seen = {}
    update_record_alerts = []
    try:
        daemon.start()
        while time.time() - started < 60 and not ({"unauthorised_write", "unreviewed_overdue"} <= set(seen)
                                                   and update_record_alerts):
            time.sleep(1)
            check(daemon.alive(), "gpwatchd exited; see gpwatchd.log")
            if os.path.exists(os.path.join(state, "ledger.sqlite")):
                for a in daemon.ctl_json("alerts"):
                    if a["delivery_state"] == "delivered":
                        seen.setdefault(a["reason"], (time.time() - started, a))
                        if a["feed"] == "update_record" and not update_record_alerts:
                            update_record_alerts.append((time.time() - started, a))
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.terminate()
        sim.wait(10)
        mesh.terminate()
        mesh.wait(10)
    for reason in ("unauthorised_write", "unreviewed_overdue"):
        check(reason in seen, f"no {reason} alert within the first minute (saw {sorted(seen)})")
        t, alert = seen[reason]
        log(f"{reason} delivered after {t:.0f}s: {alert['subject']}")
    check(update_record_alerts, "no alert about an Update Record (MESH) within the first minute")
    t, alert = update_record_alerts[0]
    log(f"Update Record alert {alert['reason']} delivered after {t:.0f}s: {alert['subject']}")
    subjects = [h["Subject"] for h, _ in maildir_messages(os.path.join(state, "duty-inbox"))]
    check(any(s.startswith("[URGENT] Unauthorised write by") for s in subjects),
          "the unauthorised_write alert is not in the duty inbox")
    check(any(s.startswith("[HIGH] Not reviewed in time") or s.startswith("[URGENT] Not reviewed in time")
              for s in subjects), "the unreviewed_overdue alert is not in the duty inbox")


run(main)
