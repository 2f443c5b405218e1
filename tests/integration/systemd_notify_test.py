#!/usr/bin/python3
"""gpwatchd speaks systemd's notify protocol as Type=notify with WatchdogSec expects: this test is
the service manager's side of the socket (a unix datagram socket in NOTIFY_SOCKET, WATCHDOG_USEC
set, exactly as systemd passes them) and checks READY=1, periodic WATCHDOG=1, RELOADING=1 then
READY=1 on SIGHUP, and STOPPING=1 on SIGTERM followed by exit 0. Also checks the shipped unit file
with systemd-analyze verify.

usage: systemd_notify_test.py BIN_DIR SOURCE_DIR"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Gpwatchd, Simulator, check, log, run, write_settings  # noqa: E402

BIN_DIR, SOURCE_DIR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])


def receive_until(sock, wanted, timeout, seen):
    deadline = time.time() + timeout
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            break
        seen.append(msg)
        if wanted in msg.split("\n"):
            return msg
    raise AssertionError(f"no {wanted} from gpwatchd within {timeout}s; got {seen[-5:]}")


def verify_unit(workdir):
    if not shutil.which("systemd-analyze"):
        log("systemd-analyze not installed: unit file check skipped")
        return
    # Verify the shipped units with their binary paths pointed at this build.
    for name, binary in (("gpwatchd.service", "gpwatchd"), ("gpwatch-collector.service", "gpwatch-collector")):
        with open(os.path.join(SOURCE_DIR, "systemd", name)) as f:
            unit = f.read().replace(f"/usr/bin/{binary} ", os.path.join(BIN_DIR, binary) + " ")
        path = os.path.join(workdir, name)
        with open(path, "w") as f:
            f.write(unit)
        out = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
        problems = [l for l in (out.stdout + out.stderr).splitlines() if name in l]
        check(out.returncode == 0 and not problems, f"systemd-analyze verify {name}: {problems}")
    log("systemd-analyze verify: both unit files accepted")


def main(workdir):
    verify_unit(workdir)
    sim = Simulator(BIN_DIR, workdir, "--rate", "50")
    state = os.path.join(workdir, "state")
    config = os.path.join(workdir, "gpwatchd.yaml")
    write_settings(config, sim, state)

    sock_path = os.path.join(workdir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    os.environ["NOTIFY_SOCKET"] = sock_path
    os.environ["WATCHDOG_USEC"] = "400000"  # WatchdogSec=0.4s: keep-alives every 0.2 s
    daemon = Gpwatchd(BIN_DIR, config, state, os.path.join(workdir, "gpwatchd.log"))
    seen = []
    try:
        daemon.start()
        receive_until(sock, "READY=1", 10, seen)
        t0 = time.time()
        for _ in range(5):
            receive_until(sock, "WATCHDOG=1", 2, seen)
        rate = 5 / (time.time() - t0)
        log(f"READY=1, then WATCHDOG=1 about {rate:.1f}/s")
        daemon.proc.send_signal(signal.SIGHUP)
        receive_until(sock, "RELOADING=1", 5, seen)
        reloading = seen[-1]
        check("MONOTONIC_USEC=" in reloading, f"RELOADING=1 without MONOTONIC_USEC: {reloading!r}")
        receive_until(sock, "READY=1", 5, seen)
        log("SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1")
        daemon.proc.send_signal(signal.SIGTERM)
        receive_until(sock, "STOPPING=1", 5, seen)
        rc = daemon.proc.wait(10)
        check(rc == 0, f"exit {rc} after SIGTERM")
        log("SIGTERM: STOPPING=1, exit 0")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()
        sock.close()


run(main)
