#!/usr/bin/python3
"""Storage faults keep what was kept, with the real binaries.

1. A full disk under load: the state directory on a small tmpfs the test mounts; the clinical
   simulator publishes 20 events/s; the test fills the tmpfs to the last byte. gpwatchd stays up
   (no exit, no restart loop), `gpwatchctl status` says the ledger refuses writes, the IT admin is
   told through the webhook (a sink that needs no local disk), nothing is acknowledged meanwhile;
   then the filler is removed and gpwatchd resumes by itself: at the end every third-party write
   the simulator journalled is in the ledger once, and the feed cursor is the simulator's last seq.
2. A ledger lost beside a state directory that has a history (the pseudonym key, alerts in the
   duty inbox): emptied to 0 bytes, deleted, or replaced by bytes that are not a database,
   gpwatchd refuses to start (exit 2) with a message naming the file and how to restore a backup;
   `--new-ledger` then starts afresh deliberately, keeping the old file beside it and continuing
   alert ids above those the duty inbox already holds.

The tmpfs needs root or a user namespace: without root the test runs itself under
`unshare --map-root-user --mount`.

usage: storage_fault_test.py BIN_DIR"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time

if os.geteuid() != 0 and not os.environ.get("GPWATCH_IN_USERNS"):
    os.environ["GPWATCH_IN_USERNS"] = "1"
    os.execvp("unshare", ["unshare", "--map-root-user", "--mount", "/usr/bin/python3", *sys.argv])

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Gpwatchd, Peer, Simulator, check, log, maildir_messages, run, wait_for, write_settings  # noqa: E402
from peer_support import make_ca_and_leaf  # noqa: E402

BIN_DIR = os.path.abspath(sys.argv[1])
SECRET = "storage-fault-secret"
TMPFS_MB = 24


def fill(directory):
    """Writes a filler file until the file system is full; returns its path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as f:
        block = b"\0" * (1 << 20)
        try:
            while True:
                f.write(block)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    return path


def ledger_writes(state):
    db = sqlite3.connect(f"file:{os.path.join(state, 'ledger.sqlite')}?mode=ro", uri=True, timeout=5)
    try:
        return {u for (u,) in db.execute("SELECT upstream_id FROM writes WHERE feed = 'clinical'")}
    finally:
        db.close()


def full_disk(workdir):
    mount = os.path.join(workdir, "small-disk")
    os.makedirs(mount)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m", "tmpfs", mount], check=True)
    ca, cert, key = make_ca_and_leaf(workdir, "hook")
    secret = os.path.join(workdir, "hook-secret")
    with open(secret, "w") as f:
        f.write(SECRET + "\n")
    record = os.path.join(workdir, "hook.jsonl")
    hook = Peer(workdir, "hook", "webhook_receiver.py", "--cert", cert, "--key", key, "--secret", SECRET,
                "--record", record)
    sim = Simulator(BIN_DIR, workdir, "--rate", "20", "--count", "1400", "--seed", "8", "--review-delay", "1:10")
    state = os.path.join(mount, "state")
    config = os.path.join(workdir, "gpwatchd.yaml")
    # Internal alerts to the admin inbox (on the full disk) and to the webhook (which needs none).
    write_settings(config, sim, state, default_within="1h", extra=f"""
delivery:
  sinks:
    - name: duty_inbox
      type: maildir
    - name: admin_inbox
      type: maildir
      inbox: admin
    - name: it_hook
      type: webhook
      url: https://127.0.0.1:{hook.port}/gpwatch
      secret_file: {secret}
      ca_file: {ca}
  routes:
    - kind: internal
      sinks: [admin_inbox, it_hook]
  default_sinks: [duty_inbox]
  internal:
    check_every: 1s
    disk_free_min: 1MB
""")
    daemon = Gpwatchd(BIN_DIR, config, state, os.path.join(workdir, "gpwatchd.log"))
    filler = None
    try:
        daemon.start()
        time.sleep(12)
        check(daemon.alive(), "gpwatchd exited before the disk filled")
        filler = fill(mount)
        log(f"filled the {TMPFS_MB} MB state file system ({os.path.getsize(filler) >> 20} MB of filler)")

        def refusing():
            try:
                s = json.loads(daemon.ctl("status", "--json").splitlines()[0])
            except Exception:
                return None
            return s if s.get("daemon", {}).get("ledger_writable") is False else None
        status = wait_for(refusing, 60, "gpwatchd to find the ledger refusing writes")
        log(f"status while full: {status['daemon']['state']}: {status['daemon']['problems']}")
        cursor_while_full = status["cursors"].get("clinical", 0)
        time.sleep(10)
        check(daemon.alive(), "gpwatchd exited on a full disk")
        with open(daemon.log.name) as f:
            text = f.read()
        check("exiting" not in text, "gpwatchd says it is exiting")

        def told():
            if not os.path.exists(record):
                return None
            with open(record) as f:
                hooks = [json.loads(line) for line in f if line.strip()]
            return [h for h in hooks if h.get("json", {}).get("reason") == "ledger_write_failed"]
        wait_for(told, 30, "the IT admin told of ledger_write_failed through the webhook")
        log("the webhook (no local disk needed) carried ledger_write_failed")
        # Nothing acknowledged while full: the durable cursor does not move.
        s = json.loads(daemon.ctl("status", "--json").splitlines()[0])
        check(s["cursors"].get("clinical", 0) == cursor_while_full,
              f"the cursor moved from {cursor_while_full} to {s['cursors'].get('clinical')} with the disk full")
        # ...and the feed was never told more than the ledger holds: the simulator logs the highest
        # seq acknowledged on each connection as it ends (gpwatchd disconnects when it degrades).
        with open(os.path.join(workdir, "sim.log")) as f:
            acked = [int(m) for m in re.findall(r"disconnected \(sent up to seq \d+, acked (\d+)\)", f.read())]
        check(acked, "the simulator saw no connection end when gpwatchd held back")
        check(max(acked) <= cursor_while_full,
              f"the feed was acknowledged up to seq {max(acked)}, beyond the ledger's {cursor_while_full}")
        log(f"the feed was acknowledged up to seq {max(acked)}, no further than the ledger holds ({cursor_while_full})")

        os.remove(filler)
        filler = None
        log("filler removed")
        wait_for(lambda: json.loads(daemon.ctl("status", "--json").splitlines()[0])["daemon"].get("ledger_writable"),
                 30, "gpwatchd to find the ledger writable again")
        sim.wait_all_generated(120)
        last = sim.journal_events()[-1]["seq"]
        wait_for(lambda: json.loads(daemon.ctl("status", "--json").splitlines()[0])["cursors"].get("clinical") == last,
                 60, f"gpwatchd to catch up with seq {last}")
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc}")
        third_party = {e["entry"]["id"] for e in sim.journal_events()
                       if e["event"] == "entry.created" and e["entry"]["author"]["ods"] != "C84001"}
        have = ledger_writes(state)
        check(third_party <= have, f"{len(third_party - have)} writes lost: {sorted(third_party - have)[:5]}")
        episode = [a for a in daemon.ctl_json("alerts") if a["reason"] == "ledger_write_failed"]
        check(episode, "the episode was not recorded in the ledger once it took writes again")
        log(f"resumed by itself: all {len(third_party)} third-party writes in the ledger, cursor at {last}; "
            f"recorded afterwards ({len(episode)} episode(s)), e.g. alert {episode[0]['id']}: {episode[0]['subject']}")
        # The log says an alert was raised only once it was committed: a batch the full disk
        # refused raised nothing (its alerts come again, under ids of their own, when it is back).
        with open(daemon.log.name) as f:
            logged = [int(m) for m in re.findall(r"ALERT (\d+) raised for write", f.read())]
        in_ledger = {a["id"] for a in daemon.ctl_json("alerts")}
        repeated = sorted({i for i in logged if logged.count(i) > 1})
        check(not repeated, f"alert ids logged as raised more than once: {repeated[:10]}")
        check(set(logged) <= in_ledger, f"alerts logged as raised but not in the ledger: {sorted(set(logged) - in_ledger)[:10]}")
        log(f"{len(logged)} alerts logged as raised, each once, each in the ledger")
    finally:
        if filler and os.path.exists(filler):
            os.remove(filler)
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()
        hook.stop()
    return config, state, sim


def start_expecting_refusal(config, state, what, *args):
    out = subprocess.run([os.path.join(BIN_DIR, "gpwatchd"), "--config", config, "--state-dir", state, *args],
                         capture_output=True, text=True, timeout=30)
    text = out.stdout + out.stderr
    ledger = os.path.join(state, "ledger.sqlite")
    check(out.returncode == 2, f"{what}: gpwatchd exited {out.returncode}, not 2: {text[-500:]}")
    check(ledger in text, f"{what}: the message does not name {ledger}: {text[-500:]}")
    check("backup" in text and "--new-ledger" in text and "ledger.sqlite-wal" in text,
          f"{what}: the message does not say how to restore: {text[-500:]}")
    log(f"{what}: refused, exit 2: {text.strip().splitlines()[-1][:200]}")


def lost_ledger(workdir, config, state):
    """The state directory of part 1 has a pseudonym key and alerts in its duty inbox."""
    # The ledger lived on the tmpfs: copy the state somewhere lasting for these starts.
    lasting = os.path.join(workdir, "state-copy")
    subprocess.run(["cp", "-a", state, lasting], check=True)
    state = lasting
    ledger = os.path.join(state, "ledger.sqlite")
    inbox = os.path.join(state, "duty-inbox")
    top_before = max(int(h["X-Gpwatch-Alert-Id"]) for h, _ in maildir_messages(inbox))
    check(os.path.exists(os.path.join(state, "pseudonym.key")), "no pseudonym key to make a history")
    for ext in ("-wal", "-shm"):
        if os.path.exists(ledger + ext):
            os.remove(ledger + ext)

    with open(ledger, "r+b") as f:
        f.truncate(0)
    start_expecting_refusal(config, state, "a ledger emptied to 0 bytes")
    os.remove(ledger)
    start_expecting_refusal(config, state, "a ledger deleted")
    # A write-ahead log left without its database is history too, even with nothing else there.
    bare = os.path.join(workdir, "wal-only")
    os.makedirs(bare)
    with open(os.path.join(bare, "ledger.sqlite-wal"), "wb") as f:
        f.write(b"\0" * 4096)
    start_expecting_refusal(config, bare, "a write-ahead log without its ledger")
    with open(ledger, "wb") as f:
        f.write(b"this is not an SQLite database\n" * 200)
    start_expecting_refusal(config, state, "a ledger that is not a database")
    check(os.path.getsize(ledger) == 31 * 200, "a refused start changed the file")

    # Deliberately afresh: the damaged file kept beside, alert ids continuing above the inbox's.
    daemon = Gpwatchd(BIN_DIR, config, state, os.path.join(workdir, "gpwatchd-new.log"))
    daemon.proc = subprocess.Popen([os.path.join(BIN_DIR, "gpwatchd"), "--config", config, "--state-dir", state,
                                    "--new-ledger"], stdout=daemon.log, stderr=daemon.log)
    def alerts():
        # [] until gpwatchd has moved the old file aside and set up the new ledger (gpwatchctl
        # then says the ledger is missing or not set up yet).
        out = subprocess.run([os.path.join(BIN_DIR, "gpwatchctl"), "--config", config, "--state-dir", state,
                              "alerts", "--json"], capture_output=True, text=True)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []
    try:
        wait_for(lambda: any(a["reason"] == "new_ledger" for a in alerts()), 20, "the new_ledger internal alert")
        kept = [n for n in os.listdir(state) if n.startswith("ledger.sqlite.set-aside-")]
        check(kept, f"the old ledger was not kept beside the new one: {os.listdir(state)}")
        alert = [a for a in alerts() if a["reason"] == "new_ledger"][0]
        check(alert["id"] > top_before, f"the new ledger's first alert id {alert['id']} reuses the inbox's ids (<= {top_before})")
        admin = os.path.join(state, "admin-inbox")
        wait_for(lambda: any("new ledger" in h.get("Subject", "") for h, _ in maildir_messages(admin)), 20,
                 "the new_ledger alert in the admin inbox")
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd --new-ledger exited {rc}")
        log(f"--new-ledger: started afresh; the old file kept as {kept[0]}; alert ids continue at {alert['id']} "
            f"(the duty inbox held up to {top_before})")

        # Again, with the inboxes emptied: the ledger set aside is readable now, and ids continue
        # above its own.
        for box in (inbox, admin):
            for sub in ("new", "cur"):
                for n in os.listdir(os.path.join(box, sub)):
                    os.remove(os.path.join(box, sub, n))
        top_ledger = max(a["id"] for a in daemon.ctl_json("alerts"))
        daemon.proc = subprocess.Popen([os.path.join(BIN_DIR, "gpwatchd"), "--config", config, "--state-dir", state,
                                        "--new-ledger"], stdout=daemon.log, stderr=daemon.log)
        def second_new_ledger():
            # Once the first new ledger is set aside too, the new_ledger alert is the second's.
            if len([n for n in os.listdir(state) if n.startswith("ledger.sqlite.set-aside-") and
                    not n.endswith(("-wal", "-shm"))]) < 2:
                return None
            return [a for a in alerts() if a["reason"] == "new_ledger"]
        again = wait_for(second_new_ledger, 20, "the second new_ledger alert")[0]
        check(again["id"] > top_ledger, f"ids restart at {again['id']} though the ledger set aside held up to {top_ledger}")
        rc, _ = daemon.terminate()
        check(rc == 0, f"the second gpwatchd --new-ledger exited {rc}")
        log(f"--new-ledger on a readable ledger: ids continue at {again['id']} above its {top_ledger}, inboxes empty")
    finally:
        if daemon.alive():
            daemon.proc.kill()


def main(workdir):
    config, state, sim = full_disk(workdir)
    lost_ledger(workdir, config, state)


run(main)
