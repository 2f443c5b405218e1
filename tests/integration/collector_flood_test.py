#!/usr/bin/python3
"""gpwatch-collector under hostile load keeps serving its practices and its officer.

The collector runs under a descriptor limit of 1,024 (soft and hard, so it cannot raise it). An
attacker floods the upload listener with 1,000 TCP connections that send nothing (100 loopback
addresses, 127.0.1.1-100, ten each) and the web listener with a slowloris of 600 TLS connections
that dribble a request header one byte every 2 s and never finish it (500 from 25 addresses, 100
from one more). Every connection the collector cuts is opened again after 1 s. Meanwhile, from
127.0.0.1, a registered practice uploads a new revision every 2 s and the officer's page is
fetched every 2 s. Required: every upload stored (201), every page answered within 1 s, the
collector under 20% of a CPU, its log grown by less than 1 MB; and its log shows the caps at
work (refused, dropped, cut connections), in tallied lines, at most one per 10 s per kind.

The flooding side uses non-blocking sockets and one selector in a thread, so it stays light on
CPU; it raises its own soft descriptor limit to its hard limit first.

usage: collector_flood_test.py BIN_DIR"""

import datetime
import errno
import heapq
import os
import re
import resource
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, run  # noqa: E402
from collector_harness import (Collector, collector_cli, forge, make_certs, sqlite_storage,  # noqa: E402
                               stored_reports, upload, write_config)

BIN_DIR = sys.argv[1]
COLLECTOR_NOFILE = 1024
UPLOAD_FLOOD = [f"127.0.1.{i}" for i in range(1, 101) for _ in range(10)]  # 1,000 idle TCP
SLOWLORIS = [f"127.0.2.{i}" for i in range(1, 26) for _ in range(20)] + ["127.0.3.1"] * 100  # 600
REOPEN_AFTER = 1.0  # s after a connection is cut
DRIBBLE_EVERY = 2.0  # s between two bytes of a slowloris header
RAMP = 4.0  # s of flood before the practice and the officer start
WINDOW = 30.0  # s of uploads and page loads under the flood
SLOW_HEADER = b"GET /?slowloris HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 4000


class Flood:
    """The attacker: every connection in its own small state machine on one selector."""

    def __init__(self, upload_port, web_port):
        self.sel = selectors.DefaultSelector()
        self.timers = []  # (when, seq, callback)
        self.seq = 0
        self.stop_flag = threading.Event()
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.tls.check_hostname = False
        self.tls.verify_mode = ssl.CERT_NONE  # an attacker does not care who answers
        self.stats = {"upload_opened": 0, "upload_cut": 0, "web_opened": 0, "web_handshakes": 0, "web_cut": 0,
                      "web_bytes": 0}
        self.targets = [("upload", upload_port, a) for a in UPLOAD_FLOOD] + [("web", web_port, a) for a in SLOWLORIS]

    def later(self, delay, callback):
        self.seq += 1
        heapq.heappush(self.timers, (time.monotonic() + delay, self.seq, callback))

    def open(self, kind, port, source):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((source, 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            self.later(REOPEN_AFTER, lambda: self.open(kind, port, source))
            return
        self.stats[kind + "_opened"] += 1
        conn = {"kind": kind, "port": port, "source": source, "sock": s, "state": "connecting", "sent": 0}
        self.sel.register(s, selectors.EVENT_WRITE, conn)

    def cut(self, conn):
        if conn["state"] == "closed":
            return
        conn["state"] = "closed"
        try:
            self.sel.unregister(conn["sock"])
        except (KeyError, ValueError):
            pass
        conn["sock"].close()
        self.stats[conn["kind"] + "_cut"] += 1
        self.later(REOPEN_AFTER, lambda: self.open(conn["kind"], conn["port"], conn["source"]))

    def handshake(self, conn):
        try:
            conn["sock"].do_handshake()
        except ssl.SSLWantReadError:
            self.sel.modify(conn["sock"], selectors.EVENT_READ, conn)
            return
        except ssl.SSLWantWriteError:
            self.sel.modify(conn["sock"], selectors.EVENT_WRITE, conn)
            return
        except (ssl.SSLError, OSError):
            self.cut(conn)
            return
        self.stats["web_handshakes"] += 1
        conn["state"] = "dribbling"
        self.sel.modify(conn["sock"], selectors.EVENT_READ, conn)
        self.dribble(conn)

    def dribble(self, conn):
        if conn["state"] != "dribbling":
            return
        try:
            conn["sock"].send(SLOW_HEADER[conn["sent"]:conn["sent"] + 1])
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except (ssl.SSLError, OSError):
            self.cut(conn)
            return
        else:
            conn["sent"] += 1
            self.stats["web_bytes"] += 1
        self.later(DRIBBLE_EVERY, lambda: self.dribble(conn))

    def ready(self, conn):
        s = conn["sock"]
        if conn["state"] == "connecting":
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                self.cut(conn)
            elif conn["kind"] == "upload":
                conn["state"] = "idle"  # send nothing; readable means the collector closed it
                self.sel.modify(s, selectors.EVENT_READ, conn)
            else:
                self.sel.unregister(s)
                try:
                    conn["sock"] = self.tls.wrap_socket(s, do_handshake_on_connect=False)
                except OSError:  # reset already (refused by the collector)
                    self.stats["web_cut"] += 1
                    conn["state"] = "closed"
                    s.close()
                    self.later(REOPEN_AFTER, lambda: self.open(conn["kind"], conn["port"], conn["source"]))
                    return
                conn["state"] = "handshaking"
                self.sel.register(conn["sock"], selectors.EVENT_WRITE, conn)
                self.handshake(conn)
        elif conn["state"] == "handshaking":
            self.handshake(conn)
        else:
            try:
                data = s.recv(4096)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                return
            except (ssl.SSLError, OSError):
                self.cut(conn)
                return
            if not data:
                self.cut(conn)

    def run(self):
        for kind, port, source in self.targets:
            self.open(kind, port, source)
        while not self.stop_flag.is_set():
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                heapq.heappop(self.timers)[2]()
            timeout = min(0.2, max(0.0, self.timers[0][0] - now)) if self.timers else 0.2
            for key, _ in self.sel.select(timeout):
                if key.data["state"] != "closed":
                    self.ready(key.data)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def page_time(port, certs):
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "--max-time", "10", "--cacert", certs["ca"],
                        "-w", "%{http_code} %{time_total}", f"https://127.0.0.1:{port}/"],
                       capture_output=True, timeout=30)
    if r.returncode != 0:
        return None, r.stderr.decode().strip()
    code, seconds = r.stdout.decode().split()
    return int(code), float(seconds)


def main(workdir):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = len(UPLOAD_FLOOD) + len(SLOWLORIS) + 200
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    check(hard >= needed and hard >= COLLECTOR_NOFILE,
          f"this test needs {needed} descriptors of its own; the hard limit is {hard}")

    certs = make_certs(os.path.join(workdir, "certs"), clients=["A81001"])
    db = os.path.join(workdir, "collector.db")
    config = os.path.join(workdir, "collector.yaml")
    write_config(config, certs, sqlite_storage(db))
    y, w, _ = (datetime.date.today() - datetime.timedelta(days=7)).isocalendar()
    week = f"{y}-W{w:02d}"
    uploads = int(WINDOW / 2)
    bodies = []
    for rev in range(1, uploads + 1):
        key = ["--new-key-out", os.path.join(workdir, "a.key")] if rev == 1 else ["--key", os.path.join(workdir, "a.key")]
        bodies.append(forge(BIN_DIR, os.path.join(workdir, f"a-{rev}.bin"), *key, "--ods", "A81001",
                            "--period", week, "--revision", str(rev), "--count",
                            f"unauthorised_write:clinical:acute-trust={10 + rev}"))
    collector_cli(BIN_DIR, config, "register", "--ods", "A81001", "--public-key", os.path.join(workdir, "a.key.pub"))

    collector = Collector(BIN_DIR, config, workdir, nofile=(COLLECTOR_NOFILE, COLLECTOR_NOFILE))
    flood = None
    try:
        time.sleep(0.3)
        with open(collector.log_path) as f:
            start_log = f.read()
        check(f"descriptor limit {COLLECTOR_NOFILE}" in start_log, f"no descriptor limit in the log:\n{start_log}")
        caps = re.search(r"upload listener: at most (\d+) connections \((\d+) kept", start_log)
        check(caps, f"the upload listener's caps are not logged:\n{start_log}")
        log(f"collector under a descriptor limit of {COLLECTOR_NOFILE}: upload listener at most {caps.group(1)} "
            f"connections, {caps.group(2)} of them kept for mutual TLS")

        log_size0 = os.path.getsize(collector.log_path)
        cpu0, wall0 = cpu_seconds(collector.proc.pid), time.monotonic()
        self0 = resource.getrusage(resource.RUSAGE_SELF)
        flood = Flood(collector.upload_port, collector.web_port)
        flooder = threading.Thread(target=flood.run, daemon=True)
        flooder.start()
        time.sleep(RAMP)
        log(f"flooding: {flood.stats}")

        statuses, page_times, failures = [], [], []
        for i, body in enumerate(bodies):
            t_next = time.monotonic() + 2.0
            code, text = upload(collector.upload_port, certs, body)
            statuses.append(code)
            if code != 201:
                failures.append(f"upload {i + 1}: {code} {text.strip()[:200]}")
            code, seconds = page_time(collector.web_port, certs)
            if code != 200 or seconds > 1.0:
                failures.append(f"page {i + 1}: {code} {seconds}")
            page_times.append(seconds if code == 200 else float("inf"))
            time.sleep(max(0.0, t_next - time.monotonic()))
        cpu1, wall1 = cpu_seconds(collector.proc.pid), time.monotonic()
        self1 = resource.getrusage(resource.RUSAGE_SELF)
        stats = dict(flood.stats)
        check(flooder.is_alive(), "the flood stopped before the end (see the traceback above)")
        flood.stop_flag.set()
        flooder.join(10)
        log_growth = os.path.getsize(collector.log_path) - log_size0
        cpu_share = (cpu1 - cpu0) / (wall1 - wall0)

        log(f"flood: {stats}")
        log(f"uploads: {statuses.count(201)} of {len(statuses)} stored (201)")
        log(f"page: slowest {max(page_times):.3f} s, mean {sum(page_times) / len(page_times):.3f} s")
        log(f"collector CPU: {100 * cpu_share:.1f}% over {wall1 - wall0:.0f} s; log grew by {log_growth:,} bytes")
        flood_cpu = (self1.ru_utime + self1.ru_stime - self0.ru_utime - self0.ru_stime) / (wall1 - wall0)
        log(f"(the flooding side itself: {100 * flood_cpu:.1f}% of a CPU)")

        # The flood must really have been one: connections opened again and again, cut by the collector.
        check(stats["upload_opened"] >= 2 * len(UPLOAD_FLOOD) and stats["upload_cut"] >= len(UPLOAD_FLOOD),
              f"the upload flood did not churn: {stats}")
        check(stats["web_handshakes"] >= len(SLOWLORIS) and stats["web_cut"] >= len(SLOWLORIS) / 2,
              f"the slowloris did not get going: {stats}")
        check(not failures, "under the flood: " + "; ".join(failures))
        check(cpu_share < 0.20, f"the collector used {100 * cpu_share:.1f}% of a CPU (limit 20%)")
        check(log_growth < 1_000_000, f"the collector's log grew by {log_growth:,} bytes (limit 1 MB)")

        with open(collector.log_path) as f:
            text = f.read()[log_size0:]
        # Tallied, not one line per connection: at most one line per 10 s for each listener and kind
        # (the first at once, then a summary per interval), and the caps each did their part.
        per_kind = {}
        for line in text.splitlines():
            m = re.search(r"(upload|web) listener: (?:(refused|dropped|cut) [\d,]+ (\w[\w ]*?) in the last \d+ s \(([^)]*)\)"
                          r"|.*more like it are counted)", line)
            if m and m.group(2):
                key = (m.group(1), m.group(2), m.group(4))
                per_kind[key] = per_kind.get(key, 0) + 1
        duration = wall1 - wall0 + 10
        check(per_kind, f"no tallied lines in the log: {collector.log_path}")
        for key, n in per_kind.items():
            check(n <= duration / 10 + 1, f"{n} summary lines for {key} in {duration:.0f} s")
        for listener, what in [("upload", "per-address cap on TLS handshakes"), ("upload", "all "),
                               ("web", "per-address cap on connections"), ("web", "all "),
                               ("web", "request header not complete")]:
            check(any(k[0] == listener and k[2].startswith(what) for k in per_kind),
                  f"no tallied line for the {listener} listener's '{what}...': {sorted(per_kind)}")
        sample = next(line for line in text.splitlines() if "in the last" in line)
        log("e.g. " + re.sub(r"^(\[[^]]*\] )+", "", sample))

        stored = stored_reports(db)
        check(len(stored) == uploads, f"{len(stored)} reports stored, {uploads} uploaded")
        collector.stop()
        collector = None
        log("SIGTERM after the flood: stopped, exit 0")
    finally:
        if flood:
            flood.stop_flag.set()
        if collector:
            collector.proc.kill()


if __name__ == "__main__":
    run(main)
