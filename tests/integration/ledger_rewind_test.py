#!/usr/bin/python3
"""A ledger that went back is refused, and carrying on with it deliberately repeats no id a peer
has seen, with the real binaries:

1. gpwatchd with both simulators (the clinical feed and MESH) and three sinks that name alerts to
   peers: the duty inbox Maildir (Message-ID), SMTP is not needed for this, and the clinical
   system's task list (dedupe_key). It stops once cleanly (the ledger file then holds everything),
   runs on, and is killed with SIGKILL; the write-ahead log is deleted, as a careless admin might.
2. The restart is refused with exit 2, naming the ledger and how far behind it is (the feed seq,
   MESH messages acknowledged, alert ids handed out).
3. With --accept-rewound-ledger it runs; one internal alert (ledger_rewound) says what may be lost;
   when the feed is done, no Message-ID names two different alerts and no dedupe_key names two
   different tasks.
4. The ledger with its last 1,000 bytes cut off is refused (exit 2, "damaged": quick_check).

usage: ledger_rewind_test.py BIN_DIR"""

import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MeshSimulator, Simulator, check, log, maildir_messages, practice_daemon, run,  # noqa: E402
                     wait_for)

BIN_DIR = os.path.abspath(sys.argv[1])


def cursor(daemon):
    try:
        return json.loads(daemon.ctl("status", "--json").splitlines()[0])["cursors"].get("clinical", 0)
    except Exception:
        return 0


def file_cursor(ledger):
    """The clinical feed's cursor in the ledger file itself (read-only, its log already gone)."""
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT seq FROM feed_cursors WHERE feed = 'clinical'").fetchone()
        return int(row[0]) if row else 0
    finally:
        db.close()


def start_refused(daemon, *args):
    """Starts gpwatchd expecting it to refuse; returns what it said."""
    out = subprocess.run([os.path.join(BIN_DIR, "gpwatchd"), "--config", daemon.config, "--state-dir", daemon.state_dir,
                          *args], capture_output=True, text=True, timeout=60)
    check(out.returncode == 2, f"gpwatchd exited {out.returncode}, not 2 (refused):\n{out.stdout}{out.stderr}")
    return out.stdout + out.stderr


def inbox_by_message_id(daemon):
    """Message-ID -> the distinct bodies the duty inbox holds under it."""
    seen = collections.defaultdict(set)
    for h, body in maildir_messages(os.path.join(daemon.state_dir, "duty-inbox")):
        seen[h["Message-ID"]].add(body)
    return seen


def main(workdir):
    token_file = os.path.join(workdir, "task-token")
    with open(token_file, "w") as f:
        f.write("gpwatch-sim-token\n")
    mesh = MeshSimulator(BIN_DIR, workdir, "--rate", "3", "--count", "90", "--seed", "6")
    sim = Simulator(BIN_DIR, workdir, "--rate", "12", "--count", "900", "--seed", "12", "--review-delay", "2:20",
                    "--update-records", mesh.journal)
    sinks = f"""
delivery:
  sinks:
    - name: duty_inbox
      type: maildir
    - name: duty_task
      type: task
      url: https://127.0.0.1:{sim.port}/tasks
      token_file: {token_file}
      ca_file: {sim.ca_file}
  routes:
    - sinks: [duty_inbox]
    - severity: [urgent, high]
      kind: write
      sinks: [duty_inbox, duty_task]
  # Low, so that digests (alerts made and handed out inside one delivery round) are named too.
  flood_limit: 25
"""
    daemon = practice_daemon(BIN_DIR, workdir, sim, default_within="1h", extra=mesh.settings() + sinks)
    ledger = os.path.join(daemon.state_dir, "ledger.sqlite")
    try:
        # A clean stop first: SQLite checkpoints on close, so the file holds everything up to it.
        daemon.start()
        wait_for(lambda: cursor(daemon) >= 150, 60, "gpwatchd to record 150 feed events")
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")
        at_stop = cursor(daemon)
        # On, then killed: what it committed since is only in the write-ahead log. 150 events keep
        # the log well under the 1000 pages at which SQLite checkpoints on its own (about 240 would
        # reach it), so the file stays where the clean stop left it and the restart replays enough
        # to pass the flood limit.
        daemon.start()
        wait_for(lambda: cursor(daemon) >= at_stop + 150, 90, "gpwatchd to record 150 events more")
        time.sleep(3)  # alerts handed to the sinks, MESH messages acknowledged
        daemon.kill9()
        with open(os.path.join(daemon.state_dir, "ledger.highwater")) as f:
            record = dict(line.strip().split("=", 1) for line in f if "=" in line and not line.startswith("#"))
        check(int(record["feed_seq"]) > at_stop, f"the high-water record is at seq {record['feed_seq']}, not past {at_stop}")
        check(os.path.exists(ledger + "-wal"), "no write-ahead log to delete (the test needs one)")
        os.remove(ledger + "-wal")
        if os.path.exists(ledger + "-shm"):
            os.remove(ledger + "-shm")
        # What the file holds without its log: up to the clean stop, or further when SQLite's
        # automatic checkpoint (at 1000 pages of log) copied part of the second run in.
        at_stop = file_cursor(ledger)
        check(int(record["feed_seq"]) > at_stop,
              f"the ledger file holds up to seq {at_stop}, not behind the high-water record's {record['feed_seq']}")
        before = inbox_by_message_id(daemon)
        tasks_before = len(sim.journal_tasks())
        log(f"killed at seq {record['feed_seq']} (alert {record['alert_id']}, {record['mesh_messages']} MESH messages), "
            f"WAL deleted; the ledger file holds up to seq {at_stop}; {len(before)} messages in the inbox, "
            f"{tasks_before} tasks")

        said = start_refused(daemon)
        check(ledger in said, f"the refusal does not name the ledger:\n{said}")
        check(re.search(rf"seq {at_stop}, \d+ behind seq {record['feed_seq']}", said),
              f"the refusal does not say how far behind the feed cursor is:\n{said}")
        check("--accept-rewound-ledger" in said and "ledger.sqlite-wal" in said,
              f"the refusal does not say what to do:\n{said}")
        check("ready" not in said, f"a refused start says ready:\n{said}")
        log("refused (exit 2): " + said.strip().splitlines()[-1][:300])

        daemon.start("--accept-rewound-ledger")
        sim.wait_all_generated(150)
        mesh.wait_all_delivered(120)
        last = sim.journal_events()[-1]["seq"]
        wait_for(lambda: cursor(daemon) == last, 90, f"gpwatchd to catch up with seq {last}")
        time.sleep(25)  # the last reviews, and deliveries of what they leave
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc}")

        alerts = daemon.ctl_json("alerts")
        rewound = [a for a in alerts if a["reason"] == "ledger_rewound"]
        check(len(rewound) == 1, f"{len(rewound)} ledger_rewound alerts")
        check(rewound[0]["id"] > int(record["alert_ids_reserved"]) >= int(record["alert_id"]),
              f"the ledger_rewound alert has id {rewound[0]['id']}, not above the {record['alert_ids_reserved']} "
              "reserved before")
        digests_after = [a for a in alerts if a["kind"] == "digest" and a["id"] > rewound[0]["id"]]
        check(digests_after, "no digest after the restart (the flood limit should make some)")
        inbox = inbox_by_message_id(daemon)
        alert_text = next((b for bodies in inbox.values() for b in bodies if "ledger_rewound" in b), "")
        check("behind" in alert_text and "MESH" in alert_text, f"the ledger_rewound alert in the inbox:\n{alert_text}")
        twice = {m: b for m, b in inbox.items() if len(b) > 1}
        check(not twice, f"{len(twice)} Message-IDs name two different alerts, e.g. {sorted(twice)[:3]}")
        new = set(inbox) - set(before)
        check(new, "nothing was delivered after the restart")

        # dedupe_key: a key the clinical system saw again must be the same alert (a resend),
        # never another alert under an id used before.
        journal = [json.loads(line) for line in open(sim.journal) if line.strip()]
        first = {}
        for e in journal:
            if e.get("type") == "task":
                first.setdefault(e["dedupe_key"], e["title"])
        by_id = {a["id"]: a for a in alerts}
        repeated = [e["dedupe_key"] for e in journal if e.get("type") == "task_repeated"]
        for key in repeated:
            alert_id = int(key.rsplit("-", 1)[1])
            check(alert_id in by_id and by_id[alert_id]["subject"] == first[key],
                  f"dedupe_key {key} came again for another alert ({by_id.get(alert_id, {}).get('subject')})")
        log(f"accepted: {len(new)} new messages, none under an earlier Message-ID; {len(first)} tasks, "
            f"{len(repeated)} resent with their own key; ledger_rewound: {rewound[0]['subject']}")

        # A ledger cut short opens, but quick_check finds it broken.
        size = os.path.getsize(ledger)
        with open(ledger, "r+b") as f:
            f.truncate(size - 1000)
        said = start_refused(daemon)
        check("quick_check" in said and ledger in said, f"a ledger cut short is not refused by quick_check:\n{said}")
        log("the ledger cut short by 1,000 bytes is refused: " + said.strip().splitlines()[-1][:200])
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()
        mesh.stop()


if __name__ == "__main__":
    run(main)
