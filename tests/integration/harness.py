"""Shared helpers for gpwatch's integration tests: real processes on loopback, no mocks.

Run with Debian's /usr/bin/python3 (standard library only)."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time


class TestFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def wait_for(predicate, timeout, what):
    """Polls `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def stop_simulator(proc, stderr):
    """SIGTERM, then SIGKILL after 10 s; closes the simulator's log."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    stderr.close()


PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers")
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Peer:
    """A test peer from peers/ (run with /usr/bin/python3) that prints one line ending in
    "listening on 127.0.0.1:PORT" once it accepts connections; its stderr goes to workdir/NAME.log."""

    def __init__(self, workdir, name, script, *args):
        self.name = name
        self.log = open(os.path.join(workdir, f"{name}.log"), "a")
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(PEERS, script), *args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        check("listening on" in line, f"{name} did not start: {line!r} (see {name}.log)")
        self.port = int(line.strip().rsplit(":", 1)[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def smtp_server(workdir, cert, key, out_dir, user, password, port=0, *extra):
    """The real SMTP submission server (aiosmtpd, peers/smtp_server.py): STARTTLS and AUTH required."""
    return Peer(workdir, "smtp", "smtp_server.py", "--port", str(port), "--cert", cert, "--key", key,
                "--user", user, "--password", password, "--out", out_dir, *extra)


class Simulator:
    """gpwatch-sim clinical on an ephemeral port with its own CA in `workdir`."""

    def __init__(self, bin_dir, workdir, *args):
        self.workdir = workdir
        self.journal = os.path.join(workdir, "sim-journal.jsonl")
        self.stderr = open(os.path.join(workdir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "gpwatch-sim"), "clinical", "--listen", "127.0.0.1:0",
             "--cert-dir", workdir, "--journal", self.journal, *args],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"wss://127\.0\.0\.1:(\d+)/feed", line)
        check(m, f"simulator did not report where it listens: {line!r}")
        self.port = int(m.group(1))
        self.ca_file = os.path.join(workdir, "ca.pem")
        self.all_generated = False

    def wait_all_generated(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if "events generated" in line:
                self.all_generated = True
                return
            if not line and self.proc.poll() is not None:
                raise TestFailure("simulator exited early")
        raise TestFailure("simulator did not finish generating in time")

    def journal_events(self):
        """The feed events the simulator published, in order (tasks received on /tasks left out)."""
        with open(self.journal) as f:
            return [e for e in (json.loads(line) for line in f if line.strip()) if e.get("type") == "event"]

    def journal_tasks(self):
        """The tasks the simulator received on POST /tasks, as {"type":"task","task_id",...request}."""
        with open(self.journal) as f:
            return [e for e in (json.loads(line) for line in f if line.strip()) if e.get("type") == "task"]

    def stop(self):
        stop_simulator(self.proc, self.stderr)


class MeshSimulator:
    """gpwatch-sim mesh on an ephemeral port; its certificates and journal in workdir/mesh."""

    MAILBOX = "C84001OT001"
    PASSWORD = "it-mesh-password"
    SHARED_SECRET = "it-mesh-shared-secret"

    def __init__(self, bin_dir, workdir, *args):
        self.dir = os.path.join(workdir, "mesh")
        os.makedirs(self.dir, exist_ok=True)
        self.journal = os.path.join(self.dir, "journal.jsonl")
        self.stderr = open(os.path.join(workdir, "mesh-sim.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "gpwatch-sim"), "mesh", "--host", "127.0.0.1", "--port", "0",
             "--mailbox", self.MAILBOX, "--password", self.PASSWORD, "--shared-secret", self.SHARED_SECRET,
             "--state-dir", self.dir, "--journal", self.journal, *args],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"https://127\.0\.0\.1:(\d+)/messageexchange", line)
        check(m, f"MESH simulator did not report where it listens: {line!r}")
        self.url = f"https://127.0.0.1:{m.group(1)}"
        files = dict(re.findall(r"(ca|client cert|client key): ([^,)]+)", line))
        self.ca_file, self.client_cert, self.client_key = files["ca"], files["client cert"], files["client key"]

    def wait_all_delivered(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if "messages delivered" in line:
                return
            if not line and self.proc.poll() is not None:
                raise TestFailure("MESH simulator exited early")
        raise TestFailure("MESH simulator did not deliver every message in time")

    def journal_lines(self):
        """Every journal line: {"event": "delivered" | "acknowledged" | "expired", "id", ...}."""
        with open(self.journal) as f:
            return [json.loads(line) for line in f if line.strip()]

    def settings(self, poll_interval="200ms"):
        """The mesh: section of gpwatchd.yaml for this simulator."""
        return f"""
mesh:
  enabled: true
  url: {self.url}
  mailbox: {self.MAILBOX}
  password: {self.PASSWORD}
  shared_secret: {self.SHARED_SECRET}
  ca_file: {self.ca_file}
  client_cert_file: {self.client_cert}
  client_key_file: {self.client_key}
  poll_interval: {poll_interval}
  request_timeout: 5s
  retry_initial: 50ms
  retry_max: 1s
  credentials_backoff: 1s
"""

    def stop(self):
        stop_simulator(self.proc, self.stderr)


def write_settings(path, sim, state_dir, extra_allowed="", default_within="45s", extra="", practice_ods="C84001"):
    """Settings for a test practice against `sim` (same organisations as config/gpwatchd.yaml)."""
    with open(path, "w") as f:
        f.write(f"""
practice:
  ods: {practice_ods}
  name: Test Practice
state_dir: {state_dir}
clinical_feed:
  url: wss://127.0.0.1:{sim.port}/feed
  token: gpwatch-sim-token
  ca_file: {sim.ca_file}
  reconnect_initial: 50ms
  reconnect_max: 1s
calendar:
  time_zone: Europe/London
  working_hours:
    monday: "00:00-24:00"
    tuesday: "00:00-24:00"
    wednesday: "00:00-24:00"
    thursday: "00:00-24:00"
    friday: "00:00-24:00"
    saturday: "00:00-24:00"
    sunday: "00:00-24:00"
review:
  default_within: {default_within}
organisations:
  allowed:
    - ods: RT5
      name: Leicestershire Partnership NHS Trust
      review_within: 3s
    - ods: RY5
      name: Lincolnshire Community Health Services NHS Trust
      review_within: 1h
    - ods: NQT11
      name: DHU Health Care (out of hours)
      review_within: 1h
    - ods: NHC04
      name: LOROS Hospice
      review_within: 1h
{extra_allowed}
  prohibited:
    - ods: RW1
      name: Midlands Community Care NHS Trust
      why: write access withdrawn
duty_inbox:
  to: duty-gp@test-practice.nhs.net
  from: gpwatch@test-practice.nhs.net
ledger:
  batch_max_events: 64
  batch_max_delay: 10ms
words_dir: {os.path.join(SOURCE_ROOT, "config", "words")}
{extra}""")


class Gpwatchd:
    def __init__(self, bin_dir, config, state_dir, log_path):
        self.bin_dir = bin_dir
        self.config = config
        self.state_dir = state_dir
        self.log = open(log_path, "a")
        self.proc = None

    def start(self, *args):
        self.proc = subprocess.Popen(
            [os.path.join(self.bin_dir, "gpwatchd"), "--config", self.config, "--state-dir", self.state_dir, *args],
            stdout=self.log, stderr=self.log)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout=10):
        """SIGTERM; returns (exit code, seconds taken)."""
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise TestFailure(f"gpwatchd did not exit within {timeout}s of SIGTERM")
        return rc, time.time() - t0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ctl(self, *args):
        out = subprocess.run(
            [os.path.join(self.bin_dir, "gpwatchctl"), "--config", self.config, "--state-dir", self.state_dir,
             *args], capture_output=True, text=True)
        check(out.returncode == 0, f"gpwatchctl {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def ctl_json(self, *args):
        return [json.loads(line) for line in self.ctl(*args, "--json").splitlines() if line.strip()]


def practice_daemon(bin_dir, workdir, sim, **settings):
    """A gpwatchd for a test practice against `sim`, not yet started: settings written to
    workdir/gpwatchd.yaml (extra keywords go to write_settings), state in workdir/state."""
    state = os.path.join(workdir, "state")
    config = os.path.join(workdir, "gpwatchd.yaml")
    write_settings(config, sim, state, **settings)
    return Gpwatchd(bin_dir, config, state, os.path.join(workdir, "gpwatchd.log"))


def maildir_messages(maildir):
    """Every message in new/ and cur/, parsed into (headers dict, body)."""
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                raw = f.read().decode("utf-8")
            # Maildir files hold Unix line ends.
            check("\r" not in raw, f"{name}: CR characters in a Maildir file")
            head, _, body = raw.partition("\n\n")
            headers = {}
            # Unfold (RFC 5322 2.2.3): a line starting with white space continues the field above.
            for line in head.replace("\n ", " ").replace("\n\t", "\t").split("\n"):
                k, _, v = line.partition(": ")
                headers[k] = v
            out.append((headers, body))
    return out


def carried_by(messages):
    """Alert id -> how many of these Maildir messages carry it: alone, or inside a digest (its
    X-Gpwatch-Covers)."""
    from collections import Counter
    carried = Counter()
    for h, _ in messages:
        if h.get("X-Gpwatch-Kind") == "digest":
            carried.update(int(x) for x in h["X-Gpwatch-Covers"].split(", "))
        else:
            carried[int(h["X-Gpwatch-Alert-Id"])] += 1
    return carried


def run(main):
    """Runs a test's main(workdir) and turns failures into exit code 1 with a clear message."""
    workdir = tempfile.mkdtemp(prefix="gpwatch-it-")
    try:
        main(workdir)
    except TestFailure as e:
        log(f"FAILED: {e} (work directory kept: {workdir})")
        sys.exit(1)
    log("PASSED")
