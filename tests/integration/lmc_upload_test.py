"""gpwatchd's LMC report upload against a collector that is down, comes up, and refuses one
practice (peers/lmc_collector_stub.py: real mutual TLS, the collector's JSON answers; the real
gpwatch-collector is exercised by lmc_reporting_test.py):

  - two practices (each gpwatchd with its own clinical simulator, traffic backdated into a closed
    week) start while the collector is down: their reports are prepared, the upload fails as
    "cannot connect" and is retried, nothing is lost;
  - the collector comes up on the same port: practice A's reports are delivered (status:
    reporting.delivered, none pending), byte for byte as sealed;
  - practice B's upload is refused (403 unknown_practice): its report is marked failed and ONE
    internal alert lmc_upload_refused, naming the week, revision, status and detail, reaches the
    duty inbox; it is not uploaded again;
  - no NHS number from the simulated feeds appears in any upload or in gpwatchd's log;
  - both stop cleanly on SIGTERM.

usage: lmc_upload_test.py BIN_DIR"""

import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Simulator, TestFailure, check, log, maildir_messages, practice_daemon, run, wait_for  # noqa: E402

BIN_DIR = sys.argv[1]
STUB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "lmc_collector_stub.py")


class Stub:
    def __init__(self, certs, port=0):
        self.certs = certs
        self.log = open(os.path.join(certs, "stub.log"), "a")
        self.proc = subprocess.Popen(["/usr/bin/python3", STUB, certs, str(port)], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (\d+)", line)
        check(m, f"lmc_collector_stub did not start: {line!r} (see {certs}/stub.log)")
        self.port = int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    def received(self):
        """Every body POSTed so far."""
        path = os.path.join(self.certs, "received")
        if not os.path.exists(path):
            return []
        data = open(path, "rb").read()
        out, i = [], 0
        while i < len(data):
            n = int.from_bytes(data[i:i + 4], "big")
            out.append(data[i + 4:i + 4 + n])
            i += 4 + n
        return out


def reporting_section(workdir, certs, port, path):
    key = os.path.join(workdir, "lmc-signing-key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True)
    return f"""
reporting:
  signing_key_file: {key}
  check_every: 10s
  upload:
    url: https://127.0.0.1:{port}{path}
    ca_file: {certs}/ca.pem
    client_cert_file: {certs}/client.pem
    client_key_file: {certs}/client.key
    timeout: 5s
"""


def cursor(daemon):
    """The clinical feed's durable seq; 0 while the ledger is still being created (gpwatchctl
    refuses a ledger whose migrations are under way)."""
    try:
        return daemon.ctl_json("status")[0]["cursors"].get("clinical", 0)
    except TestFailure:
        return 0


def reporting_status(daemon):
    rows = daemon.ctl_json("status")
    check(rows and "reporting" in rows[0], f"status --json has no reporting: {rows}")
    return rows[0]["reporting"]


def main(workdir):
    certs = os.path.join(workdir, "lmc")
    os.makedirs(certs)
    stub = Stub(certs)  # makes the certificates and picks a port...
    port = stub.port
    stub.stop()  # ...then the collector is down while the practices start

    daemons, sims = {}, []
    try:
        for name, seed, path in (("a", 61, "/v1/reports"), ("b", 62, "/unknown-practice")):
            d = os.path.join(workdir, name)
            os.makedirs(d)
            sim = Simulator(BIN_DIR, d, "--count", "60", "--rate", "60", "--seed", str(seed), "--backdate", "10d")
            sims.append(sim)
            daemon = practice_daemon(BIN_DIR, d, sim, extra=reporting_section(d, certs, port, path))
            daemon.start()
            daemons[name] = daemon
        a, b = daemons["a"], daemons["b"]

        for name, daemon in daemons.items():
            wait_for(lambda: cursor(daemon) >= 60, 40, f"practice {name}'s 60 events durable")

        def log_text(name):
            return open(os.path.join(workdir, name, "gpwatchd.log")).read()

        for name in daemons:
            wait_for(lambda: "not delivered (cannot connect)" in log_text(name), 40,
                     f"practice {name}'s first upload failing while the collector is down")
        check(reporting_status(a)["pending"] >= 1, "practice A has no pending report while the collector is down")
        log("collector down: reports prepared, uploads failing and kept pending")

        stub = Stub(certs, port)
        wait_for(lambda: (lambda r: r["delivered"] >= 1 and r["pending"] == 0)(reporting_status(a)), 60,
                 "practice A's reports delivered once the collector is back")
        delivered = reporting_status(a)["delivered"]
        check(re.search(r"lmc report \d{4}-W\d{2} revision 1: delivered \(HTTP 201 stored\)", log_text("a")),
              "practice A logged no delivery line")
        log(f"practice A: {delivered} report(s) delivered after the outage")

        wait_for(lambda: reporting_status(b)["failed"] >= 1, 60, "practice B's refused report marked failed")
        inbox = os.path.join(workdir, "b", "state", "duty-inbox")

        def refusal_alerts():
            return [body for _, body in maildir_messages(inbox) if "lmc_upload_refused" in body]

        wait_for(lambda: refusal_alerts(), 30, "the lmc_upload_refused internal alert in B's duty inbox")
        alert = refusal_alerts()[0]
        check("HTTP 403 unknown_practice" in alert, f"the alert does not name the status: {alert}")
        check("practice is not registered with this collector" in alert, f"the alert lacks the detail: {alert}")
        check(re.search(r"\d{4}-W\d{2} revision 1", alert), f"the alert does not name week and revision: {alert}")
        failed = reporting_status(b)["failed"]
        bodies_before = len(stub.received())
        time.sleep(12)  # past the next check: a refused report is not sent again, nor alerted twice
        check(len(stub.received()) == bodies_before, "a refused report was uploaded again")
        check(len(refusal_alerts()) == failed, f"{len(refusal_alerts())} refusal alerts for {failed} failed report(s)")
        log(f"practice B: {failed} report(s) refused, one internal alert each, not retried")

        # Byte for byte: what practice A sealed is what the collector received.
        sealed = [r for r in a.ctl_json("report", "list") if r.get("state") == "delivered"]
        check(len(sealed) == delivered, f"report list shows {len(sealed)} delivered, status {delivered}")

        nhs_numbers = set()

        def collect(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k == "nhs_number" and isinstance(x, str) and x:
                        nhs_numbers.add(x)
                    collect(x)
            elif isinstance(v, list):
                for x in v:
                    collect(x)

        for sim in sims:
            for line in open(sim.journal):
                collect(json.loads(line))
        check(nhs_numbers, "the simulated feeds held no NHS numbers: the privacy check would prove nothing")
        uploads = b"".join(stub.received())
        logs = log_text("a") + log_text("b")
        for n in nhs_numbers:
            check(n.encode() not in uploads, "an NHS number from the feed is in an upload")
            check(n not in logs, "an NHS number from the feed is in gpwatchd's log")
        log(f"none of {len(nhs_numbers)} NHS numbers in {len(stub.received())} uploads or the logs")

        for name, daemon in daemons.items():
            rc, _ = daemon.terminate()
            check(rc == 0, f"practice {name}'s gpwatchd exited {rc} on SIGTERM")
    finally:
        for daemon in daemons.values():
            if daemon.alive():
                daemon.proc.kill()
        for sim in sims:
            sim.stop()
        stub.stop()


if __name__ == "__main__":
    run(main)
