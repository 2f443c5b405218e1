#!/usr/bin/python3
"""Nothing outside can stall gpwatchd, with the real binaries on loopback.

Phase A: the SMTP, webhook and clinical-system task sinks point at peers that accept the
connection and never answer (peers/hostile_peer.py tarpit), and a fourth sink (a second webhook)
at a peer that answers HTTP 500 for ever. The clinical simulator publishes 50 events/s for 60 s
and the MESH simulator delivers Update Records meanwhile:
  - every third-party write the simulators journal is in the ledger within 2 s of being sent
    (measured: the test tails both journals and the ledger four times a second; printed);
  - WATCHDOG=1 (systemd's notify protocol, WatchdogSec=1s) never pauses longer than 1 s;
  - the sink answering 500 is tried with a growing backoff (never hammered), nothing is lost
    (every alert still owed to it) and nothing fails for good;
  - SIGTERM exits 0 within 10 s, though every sink is stuck or failing.
Phase C: the real peers come up on the same ports (aiosmtpd, the webhook receiver twice, the
clinical simulator's /tasks) and gpwatchd starts again on the same ledger: every alert reaches
each sink exactly once, alone or inside a digest.

usage: stall_test.py BIN_DIR"""

import email
import email.policy
import json
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import (MeshSimulator, Peer, Simulator, check, log, practice_daemon, run, smtp_server,  # noqa: E402
                     wait_for)
from peer_support import make_ca_and_leaf  # noqa: E402

BIN_DIR = os.path.abspath(sys.argv[1])
USER = "gpwatch@test-practice.nhs.net"
PASSWORD = "correct horse battery staple"
DUTY = "duty-gp@test-practice.nhs.net"
SECRET = "stall-test-webhook-secret"
TOKEN = "gpwatch-sim-token"
RATE, SECONDS = 50, 60


def delivery_section(ports, ca, files):
    return f"""
delivery:
  sinks:
    - name: duty_smtp
      type: smtp
      url: smtp://127.0.0.1:{ports['smtp']}
      from: {USER}
      to: {DUTY}
      auth: plain
      username: {USER}
      password_file: {files['password']}
      ca_file: {ca}
    - name: hook
      type: webhook
      url: https://127.0.0.1:{ports['hook']}/gpwatch
      secret_file: {files['secret']}
      ca_file: {ca}
    - name: task
      type: task
      url: https://127.0.0.1:{ports['task']}/tasks
      token_file: {files['token']}
      ca_file: {ca}
    - name: pager
      type: webhook
      url: https://127.0.0.1:{ports['pager']}/gpwatch
      secret_file: {files['secret']}
      ca_file: {ca}
  routes:
    - sinks: [duty_smtp, hook, task, pager]
  internal:
    check_every: 1s
    outbox_backlog_max: 100000
    outbox_oldest_max: 1h
"""


class Notify:
    """The service manager's end of NOTIFY_SOCKET: records when each message arrived."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []  # (time, text)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                self.messages.append((time.time(), self.sock.recv(4096).decode()))
            except socket.timeout:
                continue
            except OSError:
                return

    def times_of(self, word):
        return [t for t, m in self.messages if word in m.split("\n")]

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class Lag:
    """Tails the simulators' journals and the ledger; for each third-party write, how long after
    the test first saw it journalled (published) it first saw it in the ledger."""

    def __init__(self, sim, mesh, ledger_path):
        self.sim, self.mesh, self.ledger_path = sim, mesh, ledger_path
        self.offsets = {sim.journal: 0, mesh.journal: 0}
        self.sent = {}     # (feed, upstream id) -> when first seen journalled
        self.landed = {}   # (feed, upstream id) -> when first seen in the ledger
        self.last_id = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _journal(self, path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            f.seek(self.offsets[path])
            data = f.read()
        complete = data[:data.rfind("\n") + 1]
        self.offsets[path] += len(complete.encode())
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def _run(self):
        while self.running:
            now = time.time()
            for e in self._journal(self.sim.journal):
                entry = e.get("entry", {})
                if e.get("event") == "entry.created" and entry.get("author", {}).get("ods") not in (None, "C84001"):
                    self.sent.setdefault(("clinical", entry["id"]), now)
            for e in self._journal(self.mesh.journal):
                if e.get("event") == "delivered" and e.get("update_record_id"):
                    self.sent.setdefault(("update_record", e["update_record_id"]), now)
            if os.path.exists(self.ledger_path):
                try:
                    db = sqlite3.connect(f"file:{self.ledger_path}?mode=ro", uri=True, timeout=5)
                    rows = db.execute("SELECT id, feed, upstream_id FROM writes WHERE id > ? ORDER BY id",
                                      (self.last_id,)).fetchall()
                    db.close()
                except sqlite3.OperationalError:
                    rows = []
                for wid, feed, upstream in rows:
                    self.last_id = max(self.last_id, wid)
                    self.landed.setdefault((feed, upstream), time.time())
            time.sleep(max(0, 0.25 - (time.time() - now)))

    def stop(self):
        self.running = False
        self.thread.join(5)

    def report(self):
        lags = {k: self.landed[k] - t for k, t in self.sent.items() if k in self.landed}
        missing = [k for k in self.sent if k not in self.landed]
        return lags, missing


def smtp_messages(out_dir):
    out = []
    for name in sorted(os.listdir(out_dir)):
        if name.endswith(".eml"):
            with open(os.path.join(out_dir, name), "rb") as f:
                out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
    return out


def ledger_rows(path, sql, *args):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def main(workdir):
    ca, cert, key = make_ca_and_leaf(workdir, "peers")
    files = {"password": os.path.join(workdir, "smtp-password"), "secret": os.path.join(workdir, "hook-secret"),
             "token": os.path.join(workdir, "task-token")}
    for name, value in (("password", PASSWORD), ("secret", SECRET), ("token", TOKEN)):
        with open(files[name], "w") as f:
            f.write(value + "\n")
        os.chmod(files[name], 0o600)

    # Phase A: three tarpits and a peer answering 500; their ports are kept for phase C's peers.
    pager_hits = os.path.join(workdir, "pager-500.jsonl")
    peers = {k: Peer(workdir, f"tarpit-{k}", "hostile_peer.py", "tarpit") for k in ("smtp", "hook", "task")}
    peers["pager"] = Peer(workdir, "pager-500", "hostile_peer.py", "http-500", "--cert", cert, "--key", key,
                          "--record", pager_hits)
    ports = {k: p.port for k, p in peers.items()}
    sim = Simulator(BIN_DIR, workdir, "--rate", str(RATE), "--count", str(RATE * SECONDS), "--seed", "12",
                    "--review-delay", "1:8")
    mesh = MeshSimulator(BIN_DIR, workdir, "--rate", "2", "--count", "100", "--seed", "4")
    daemon = practice_daemon(BIN_DIR, workdir, sim, default_within="4s",
                             extra=mesh.settings() + delivery_section(ports, ca, files))
    ledger_path = os.path.join(daemon.state_dir, "ledger.sqlite")
    os.environ["NOTIFY_SOCKET"] = os.path.join(workdir, "notify.sock")
    os.environ["WATCHDOG_USEC"] = "1000000"  # WatchdogSec=1s: keep-alives every 0.5 s
    notify = Notify(os.environ["NOTIFY_SOCKET"])
    lag = Lag(sim, mesh, ledger_path)
    task_sim = None
    try:
        daemon.start()
        t0 = time.time()
        wait_for(lambda: notify.times_of("READY=1"), 10, "READY=1")
        sim.wait_all_generated(SECONDS + 60)
        mesh.wait_all_delivered(60)
        time.sleep(3)  # the last events' commit
        lag.stop()
        lags, missing = lag.report()
        check(not missing, f"{len(missing)} journalled writes never reached the ledger: {missing[:5]}")
        worst = max(lags.values())
        by_feed = Counter(k[0] for k in lags)
        log(f"phase A (SMTP, webhook, task tarpitted, a webhook answering 500; {RATE} events/s for {SECONDS} s): "
            f"{len(lags)} third-party writes ({dict(by_feed)}) in the ledger; send-to-ledger lag median "
            f"{sorted(lags.values())[len(lags) // 2]:.2f} s, worst {worst:.2f} s")
        check(worst <= 2.0, f"a write took {worst:.2f} s to reach the ledger (the promise is 2 s)")
        beats = [t for t in notify.times_of("WATCHDOG=1") if t > t0]
        gaps = [b - a for a, b in zip(beats, beats[1:])]
        check(len(beats) > SECONDS, f"only {len(beats)} WATCHDOG=1 in {SECONDS} s")
        log(f"WATCHDOG=1: {len(beats)} keep-alives, longest pause {max(gaps):.2f} s (WatchdogSec=1s)")
        check(max(gaps) <= 1.0, f"WATCHDOG=1 paused {max(gaps):.2f} s, longer than WatchdogSec")

        # The sink answering 500: a growing backoff, nothing lost, nothing failed for good.
        with open(pager_hits) as f:
            times = [json.loads(line)["at"] for line in f if line.strip()]
        gaps = [b - a for a, b in zip(times, times[1:])]
        check(len(times) >= 3, f"the failing webhook was tried only {len(times)} times")
        check(min(gaps) >= 1.5, f"the failing webhook was tried {min(gaps):.1f} s apart: hammered")
        # 5 s doubling, each drawn from the upper half of its step: never shorter than the last.
        check(all(b >= a - 0.5 for a, b in zip(gaps, gaps[1:])) and gaps[-1] > gaps[0],
              f"the backoff does not grow: gaps {[round(g, 1) for g in gaps]}")
        states = Counter(st for (st,) in ledger_rows(ledger_path,
                                                      "SELECT state FROM alert_deliveries WHERE sink = 'pager'"))
        owed = ledger_rows(ledger_path, "SELECT count(*) FROM alerts WHERE kind != 'digest'")[0][0]
        check(states.get("failed", 0) == 0, f"a delivery failed for good on a retryable 500: {dict(states)}")
        check(states.get("pending", 0) + states.get("digested", 0) == sum(states.values()) and states,
              f"the failing webhook is not owed every alert: {dict(states)}")
        log(f"webhook answering 500: {len(times)} attempts, gaps {[round(g, 1) for g in gaps]} s; its "
            f"{sum(states.values())} deliveries all still owed ({owed} alerts), none failed")

        status = daemon.ctl_json("status")[0]
        check(status["daemon"]["running"] and status["daemon"]["responding"], f"status: {status['daemon']}")
        check(any(s["in_flight"] for s in status["sinks"]), f"no sink shows a delivery in flight: {status['sinks']}")
        rc, took = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")
        check(took <= 10, f"SIGTERM took {took:.1f} s with every sink stuck (the promise is 10 s)")
        log(f"SIGTERM with every sink stuck or failing: exit 0 in {took:.1f} s")
        notify.close()
        for p in peers.values():
            p.stop()

        # Phase C: the real peers on the same ports, gpwatchd started again on the same ledger.
        smtp_out = os.path.join(workdir, "smtp-out")
        records = {k: os.path.join(workdir, f"{k}.jsonl") for k in ("hook", "pager")}
        peers = {"smtp": smtp_server(workdir, cert, key, smtp_out, USER, PASSWORD, ports["smtp"])}
        for k in ("hook", "pager"):
            peers[k] = Peer(workdir, k, "webhook_receiver.py", "--port", str(ports[k]), "--cert", cert, "--key", key,
                            "--secret", SECRET, "--record", records[k])
        task_sim = TaskSimulator(workdir, ports["task"], cert, key)
        del os.environ["WATCHDOG_USEC"]
        daemon.start()

        def all_delivered():
            states = dict(ledger_rows(ledger_path, "SELECT state, count(*) FROM alert_deliveries GROUP BY state"))
            return states if not states.get("pending") and not states.get("failed") else None

        states = wait_for(all_delivered, 300, "every delivery made once the real peers are back")
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc}")
        alerts = {r[0]: r for r in ledger_rows(ledger_path, "SELECT id, kind, covers FROM alerts")}
        owed = {i for i, (_, kind, _) in alerts.items() if kind != "digest"}

        def carried_of(alert_ids):
            """Each alert a sink carried, alone or inside a digest, and how often."""
            carried = Counter()
            for alert_id in alert_ids:
                _, kind, covers = alerts[alert_id]
                if kind == "digest":
                    carried.update(int(x) for x in covers.split(",") if x)
                else:
                    carried[alert_id] += 1
            return carried

        def exactly_once(what, alert_ids):
            carried = carried_of(alert_ids)
            twice = [k for k, n in carried.items() if n > 1]
            check(set(carried) == owed and not twice,
                  f"{what}: {len(carried)} alerts carried of {len(owed)} owed; twice {twice[:5]}, "
                  f"missing {sorted(owed - set(carried))[:5]}")

        msgs = smtp_messages(smtp_out)
        check(all(n == 1 for n in Counter(m["Message-ID"] for m in msgs).values()), "a Message-ID arrived twice by SMTP")
        exactly_once("SMTP", [int(m["X-Gpwatch-Alert-Id"]) for m in msgs])
        counts = {"SMTP": len(msgs)}
        for k in ("hook", "pager"):
            with open(records[k]) as f:
                hooks = [json.loads(line) for line in f if line.strip()]
            check(all(h["verified"] for h in hooks), f"{k}: a request was not signed right")
            exactly_once(k, [int(h["alert_id"]) for h in hooks])
            counts[k] = len(hooks)
        # Every task the simulator was sent, repeats too (the clinical system keeps the first of a
        # dedupe_key, so a resend would otherwise not show).
        keys = [t["dedupe_key"] for t in task_sim.tasks(("task", "task_repeated"))]
        exactly_once("task", [int(k.rsplit("-", 1)[1]) for k in keys])
        counts["task"] = len(keys)
        log(f"phase C: {len(owed)} alerts, each exactly once through every sink (messages: {counts}); "
            f"deliveries {states}")
    finally:
        lag.running = False
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()
        mesh.stop()
        for p in peers.values():
            p.stop()
        if task_sim:
            task_sim.stop()


class TaskSimulator:
    """The clinical simulator serving POST /tasks on a given port with the test's certificate."""

    def __init__(self, workdir, port, cert, key):
        import subprocess
        self.journal = os.path.join(workdir, "tasks-journal.jsonl")
        self.log = open(os.path.join(workdir, "tasks-sim.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(BIN_DIR, "gpwatch-sim"), "clinical", "--listen", f"127.0.0.1:{port}", "--cert", cert,
             "--key", key, "--rate", "0.01", "--count", "1", "--journal", self.journal],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        check(f":{port}/feed" in line, f"task simulator did not start on port {port}: {line!r}")

    def tasks(self, types=("task",)):
        with open(self.journal) as f:
            return [e for e in (json.loads(line) for line in f if line.strip()) if e.get("type") in types]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.log.close()


run(main)
