#!/usr/bin/python3
"""MESH ingest end to end: the MESH simulator fills the practice's mailbox with a few hundred messages
(Update Records in XML and JSON, chunked, gzip, malformed, other ITK3 events, REPORTs), with
--chaos (5xx, dropped connections, acknowledgements lost after they took effect), while gpwatchd
is killed with SIGKILL at random moments and restarted. It checks:
  - at every kill, every message MESH says was acknowledged is already in the ledger (gpwatchd
    acknowledges only after its commit);
  - in the end every delivered message is in the ledger once, acknowledged, and recorded as what
    it is: an Update Record write, a quarantined unparseable message (alerted once), a message
    that is not an Update Record, or a REPORT;
  - a final restart records nothing twice, and SIGTERM exits 0.

usage: mesh_ingest_test.py BIN_DIR"""

import os
import random
import sqlite3
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import MeshSimulator, Simulator, check, log, practice_daemon, run, wait_for  # noqa: E402

BIN_DIR = sys.argv[1]
COUNT = 300
KILLS = 4


def expected_outcome(kinds):
    if "report" in kinds:
        return "report"
    if "malformed" in kinds:
        return "unparseable"
    if "other-event" in kinds:
        return "not-update-record"
    return "update-record"


def journal_state(mesh):
    delivered, acked, expired = {}, set(), set()
    for line in mesh.journal_lines():
        if line["event"] == "delivered":
            delivered[line["id"]] = line
        elif line["event"] == "acknowledged":
            acked.add(line["id"])
        elif line["event"] == "expired":
            expired.add(line["id"])
    return delivered, acked, expired


def ledger_mesh(daemon):
    return {r["mesh_id"]: r for r in daemon.ctl_json("mesh")}


def main(workdir):
    seed = int(os.environ.get("GPWATCH_TEST_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    log(f"seed {seed}, work directory {workdir}")
    # The clinical feed runs too (gpwatchd watches both), quietly.
    sim = Simulator(BIN_DIR, workdir, "--count", "20", "--rate", "5", "--seed", str(seed))
    mesh = MeshSimulator(BIN_DIR, workdir, "--count", str(COUNT), "--rate", "40", "--seed", str(seed), "--chaos")
    daemon = practice_daemon(BIN_DIR, workdir, sim, extra=mesh.settings(poll_interval="150ms"))
    try:
        daemon.start()
        for i in range(KILLS):
            time.sleep(rng.uniform(0.8, 2.0))
            check(daemon.alive(), f"gpwatchd died by itself before kill {i + 1}; see gpwatchd.log")
            daemon.kill9()
            # The process is dead: whatever MESH was told is acknowledged must be durable already.
            _, acked, _ = journal_state(mesh)
            in_ledger = ledger_mesh(daemon)
            missing = acked - in_ledger.keys()
            check(not missing, f"after SIGKILL {i + 1}: {len(missing)} message(s) acknowledged to MESH but not "
                               f"in the ledger, e.g. {sorted(missing)[:3]}")
            log(f"SIGKILL {i + 1}/{KILLS}: {len(acked)} acknowledged, {len(in_ledger)} in the ledger")
            daemon.start()
        mesh.wait_all_delivered(timeout=120)

        def all_acknowledged():
            delivered, acked, expired = journal_state(mesh)
            return len(delivered) == COUNT and not (delivered.keys() - acked - expired)
        wait_for(all_acknowledged, 120, f"every one of the {COUNT} messages to be acknowledged")
        delivered, acked, expired = journal_state(mesh)
        check(not expired, f"{len(expired)} message(s) expired unacknowledged")
        rows = ledger_mesh(daemon)
        check(rows.keys() == delivered.keys(),
              f"ledger holds {len(rows)} MESH messages, the simulator delivered {len(delivered)}: "
              f"missing {sorted(delivered.keys() - rows.keys())[:3]}, extra {sorted(rows.keys() - delivered.keys())[:3]}")

        want = Counter()
        for mid, line in delivered.items():
            outcome = expected_outcome(line["kinds"])
            want[outcome] += 1
            got = rows[mid]
            check(got["outcome"] == outcome,
                  f"{mid} ({','.join(line['kinds'])}) recorded as {got['outcome']}, expected {outcome}: {got['detail']}")
            check(got["message_type"] == line["message_type"], f"{mid}: message type {got['message_type']}")
        log(f"outcomes: {dict(want)}")
        for outcome in ("update-record", "unparseable", "not-update-record", "report"):
            check(want[outcome] > 0, f"the run had no {outcome} message: use a larger COUNT or another seed")
        kinds = Counter(k for line in delivered.values() for k in line["kinds"])
        for k in ("chunked", "gzip", "json", "xml", "replaces", "nopat"):
            check(kinds[k] > 0, f"the run had no {k} message")

        # Each Update Record is one write; each unparseable message one quarantined write, alerted once.
        writes = [w for w in daemon.ctl_json("writes") if w["feed"] == "update_record"]
        per_id = Counter(w["upstream_id"] for w in writes)
        twice = [i for i, n in per_id.items() if n > 1]
        check(not twice, f"Update Record writes recorded twice: {twice[:3]}")
        quarantined = [w for w in writes if w["review_state"] == "quarantined"]
        check(len(quarantined) == want["unparseable"],
              f"{len(quarantined)} quarantined writes for {want['unparseable']} unparseable messages")
        tracked = [w for w in writes if w["review_state"] != "quarantined"]
        check(len(tracked) == want["update-record"],
              f"{len(tracked)} Update Record writes for {want['update-record']} Update Record messages")
        unparseable_alerts = [a for a in daemon.ctl_json("alerts") if a["reason"] == "unparseable_message"
                              and a["feed"] == "update_record"]
        check(len(unparseable_alerts) == want["unparseable"],
              f"{len(unparseable_alerts)} unparseable_message alerts for {want['unparseable']} messages")

        # Each REPORT raised one alert (an internal one: it is about a message, not a write).
        report_alerts = [a for a in daemon.ctl_json("alerts") if a["reason"] == "mesh_delivery_report"]
        check(len(report_alerts) == want["report"],
              f"{len(report_alerts)} mesh_delivery_report alerts for {want['report']} REPORTs")

        # One more crash once everything is durable: a restart must record nothing twice.
        alerts_before = daemon.ctl_json("alerts")
        writes_before = daemon.ctl_json("writes")
        daemon.kill9()
        daemon.start()
        time.sleep(2)
        check(ledger_mesh(daemon).keys() == rows.keys(), "the MESH messages changed after a restart")
        check(len(daemon.ctl_json("writes")) == len(writes_before), "writes changed after a restart")
        check(len(daemon.ctl_json("alerts")) == len(alerts_before), "alerts changed after a restart")
        rc, took = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")
        log(f"SIGTERM: exit {rc} in {took:.1f}s")
        # Privacy: none of the patients' NHS numbers the messages carried is in gpwatchd's log.
        db = sqlite3.connect(f"file:{os.path.join(daemon.state_dir, 'ledger.sqlite')}?mode=ro", uri=True)
        numbers = {n for (n,) in db.execute("SELECT nhs_number FROM writes WHERE nhs_number != ''")}
        db.close()
        check(len(numbers) > 10, f"only {len(numbers)} NHS numbers in the ledger")
        with open(os.path.join(workdir, "gpwatchd.log")) as f:
            text = f.read()
        leaked = [n for n in numbers if n in text]
        check(not leaked, f"{len(leaked)} NHS number(s) in gpwatchd's log")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        mesh.stop()
        sim.stop()


if __name__ == "__main__":
    run(main)
