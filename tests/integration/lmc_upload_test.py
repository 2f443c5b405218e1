"""gpwatchd's LMC report upload against the real gpwatch-collector (mutual TLS, SQLite, every
upload captured with --capture-dir) that is down, comes up, and refuses one practice:

  - two practices (A81001 and B82002, each gpwatchd with its own clinical simulator, traffic
    backdated into a closed week) start while the collector is down: their reports are prepared,
    the upload fails as "cannot connect" and is retried, nothing is lost;
  - the collector comes up on the same port, with practice A registered (its public key from
    `gpwatchctl report public-key`): A's reports are delivered (status: reporting.delivered, none
    pending) and the collector stores them byte for byte as A's ledger sealed them;
  - practice B is not registered (403 unknown_practice): its report is marked failed and ONE
    internal alert lmc_upload_refused, naming the week, revision, status and detail, reaches the
    admin inbox (internal alerts go to the IT admin, not the duty GP) and none the duty inbox;
    it is not uploaded again;
  - the LMC then registers B: `gpwatchctl report resend` and a reload deliver B's refused week;
  - no NHS number from the simulated feeds appears in any upload or in gpwatchd's log;
  - the collector and both gpwatchd stop cleanly (exit 0) on SIGTERM.

usage: lmc_upload_test.py BIN_DIR"""

import json
import os
import re
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Simulator, TestFailure, check, log, maildir_messages, practice_daemon, run, wait_for  # noqa: E402
from collector_harness import (Collector, collector_cli, free_port, make_certs, sh, sqlite_storage,  # noqa: E402
                               stored_reports, write_config)

BIN_DIR = sys.argv[1]
A, B = "A81001", "B82002"  # A is registered with the collector, B never is


def reporting_section(workdir, certs, ods, port):
    key = os.path.join(workdir, "lmc-signing-key.pem")
    r = sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", key)
    check(r.returncode == 0, f"openssl genpkey failed: {r.stderr.decode()}")
    cert, client_key = certs["clients"][ods]
    return f"""
reporting:
  signing_key_file: {key}
  check_every: 2s
  upload:
    url: https://127.0.0.1:{port}/v1/reports
    ca_file: {certs['ca']}
    client_cert_file: {cert}
    client_key_file: {client_key}
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


def ledger_reports(daemon):
    """[(period, revision, state, body bytes)] from the practice's ledger."""
    con = sqlite3.connect(f"file:{daemon.state_dir}/ledger.sqlite?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT period, revision, state, body FROM lmc_reports").fetchall()
    finally:
        con.close()
    return [(p, r, s, bytes(b)) for p, r, s, b in rows]


def main(workdir):
    certs = make_certs(os.path.join(workdir, "lmc"), clients=[A, B])
    # The port is chosen now and written into both practices' settings: the collector must come
    # up later on exactly this port, as a real LMC's collector returns after an outage.
    port = free_port()
    collector_dir = os.path.join(workdir, "collector")
    os.makedirs(collector_dir)
    db = os.path.join(collector_dir, "collector.db")
    config = os.path.join(collector_dir, "collector.yaml")
    write_config(config, certs, sqlite_storage(db), upload_listen=f"127.0.0.1:{port}")

    daemons, sims, collector = {}, [], None
    try:
        for ods, seed in ((A, 61), (B, 62)):
            d = os.path.join(workdir, ods)
            os.makedirs(d)
            sim = Simulator(BIN_DIR, d, "--practice", ods, "--count", "60", "--rate", "60", "--seed", str(seed),
                            "--backdate", "10d")
            sims.append(sim)
            daemon = practice_daemon(BIN_DIR, d, sim, practice_ods=ods,
                                     extra=reporting_section(d, certs, ods, port))
            daemon.start()
            daemons[ods] = daemon
        a, b = daemons[A], daemons[B]

        for ods, daemon in daemons.items():
            wait_for(lambda: cursor(daemon) >= 60, 40, f"practice {ods}'s 60 events durable")

        def log_text(ods):
            with open(os.path.join(workdir, ods, "gpwatchd.log")) as f:
                return f.read()

        for ods in daemons:
            wait_for(lambda: "not delivered (cannot connect)" in log_text(ods), 40,
                     f"practice {ods}'s first upload failing while the collector is down")
        check(reporting_status(a)["pending"] >= 1, "practice A has no pending report while the collector is down")
        check(reporting_status(b)["pending"] >= 1, "practice B has no pending report while the collector is down")
        log(f"collector down (port {port}): reports prepared, uploads failing and kept pending")

        # The LMC registers practice A only, with the public key A's admin hands over.
        public = a.ctl("report", "public-key")
        pem = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----\n", public, re.S)
        check(pem, f"report public-key printed no PEM: {public!r}")
        public_file = os.path.join(collector_dir, f"{A}.pub.pem")
        with open(public_file, "w") as f:
            f.write(pem.group(0))
        said = collector_cli(BIN_DIR, config, "register", "--ods", A, "--public-key", public_file)
        check(f"registered {A} with key ed25519:" in said, f"register said: {said!r}")

        collector = Collector(BIN_DIR, config, collector_dir, capture_dir=os.path.join(collector_dir, "capture"))
        check(collector.upload_port == port, f"collector came up on {collector.upload_port}, not {port}")

        wait_for(lambda: (lambda r: r["delivered"] >= 1 and r["pending"] == 0)(reporting_status(a)), 60,
                 "practice A's reports delivered once the collector is back")
        delivered = reporting_status(a)["delivered"]
        check(re.search(r"lmc report \d{4}-W\d{2} revision 1: delivered \(HTTP 201 stored\)", log_text(A)),
              "practice A logged no delivery line")
        log(f"practice A: {delivered} report(s) delivered after the outage")

        wait_for(lambda: reporting_status(b)["failed"] >= 1, 60, "practice B's refused report marked failed")
        inbox = os.path.join(workdir, B, "state", "admin-inbox")

        def refusal_alerts():
            return [body for _, body in maildir_messages(inbox) if "lmc_upload_refused" in body]

        wait_for(lambda: refusal_alerts(), 30, "the lmc_upload_refused internal alert in B's admin inbox")
        duty = os.path.join(workdir, B, "state", "duty-inbox")
        check(not [b for _, b in maildir_messages(duty) if "lmc_upload_refused" in b],
              "an internal alert about the LMC upload reached the duty GP's inbox")
        alert = refusal_alerts()[0]
        filed_as = [h.get("X-Gpwatch-Reason") for h, body in maildir_messages(inbox) if "lmc_upload_refused" in body]
        check(filed_as == ["lmc_upload_refused"] * len(filed_as),
              f"the refusal alert is filed under X-Gpwatch-Reason {filed_as}, not its condition")
        check("HTTP 403 unknown_practice" in alert, f"the alert does not name the status: {alert}")
        check(f"practice {B} is not registered with this collector" in alert, f"the alert lacks the detail: {alert}")
        check(re.search(r"\d{4}-W\d{2} revision 1", alert), f"the alert does not name week and revision: {alert}")

        def uploads_from_b():
            # B's ODS code is inside every report B signs; nothing of A's carries it.
            return sum(1 for raw in collector.captured().values() if B.encode() in raw)

        failed = reporting_status(b)["failed"]
        b_uploads = uploads_from_b()
        check(b_uploads == failed, f"{b_uploads} uploads from B reached the collector for {failed} failed report(s)")
        time.sleep(5)  # past two more checks (check_every 2s): a refused report is not sent again, nor alerted twice
        check(uploads_from_b() == b_uploads, "a refused report was uploaded again")
        check(reporting_status(b)["failed"] == failed, "practice B's failed count changed with nothing new to report")
        check(len(refusal_alerts()) == failed, f"{len(refusal_alerts())} refusal alerts for {failed} failed report(s)")
        log(f"practice B: {failed} report(s) refused, one internal alert each, not retried")

        # Byte for byte: every report A's ledger holds as delivered is what the collector stored,
        # and the collector stored nothing else (nothing of B's).
        sealed = {(A, p, r): body for p, r, state, body in ledger_reports(a) if state == "delivered"}
        check(len(sealed) == delivered, f"A's ledger holds {len(sealed)} delivered reports, status says {delivered}")
        stored = stored_reports(db)
        check(stored == sealed, f"the collector stores {sorted(stored)} but A delivered {sorted(sealed)}, "
                                f"or their bytes differ")
        listed = [r for r in a.ctl_json("report", "list") if r.get("state") == "delivered"]
        check(len(listed) == delivered, f"report list shows {len(listed)} delivered, status {delivered}")
        log(f"collector stores A's {len(stored)} report(s) byte for byte, none of B's")

        # The LMC registers B after all; B's admin sends the refused week again and reloads.
        public = b.ctl("report", "public-key")
        pem = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----\n", public, re.S)
        public_file = os.path.join(collector_dir, f"{B}.pub.pem")
        with open(public_file, "w") as f:
            f.write(pem.group(0))
        collector_cli(BIN_DIR, config, "register", "--ods", B, "--public-key", public_file)
        said = b.ctl("report", "resend")
        check(re.match(r"\d+ report\(s\) queued for upload", said), f"report resend said: {said!r}")
        b.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: reporting_status(b)["delivered"] >= 1, 30, "practice B's resent report delivered after reload")
        b_sealed = {(B, p, r): body for p, r, state, body in ledger_reports(b) if state == "delivered"}
        b_stored = {k: v for k, v in stored_reports(db).items() if k[0] == B}
        check(b_sealed and b_stored == b_sealed, f"B's resent reports {sorted(b_sealed)} vs stored {sorted(b_stored)}")
        log(f"practice B registered late: report resend + reload delivered {len(b_sealed)} report(s)")

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
            with open(sim.journal) as f:
                for line in f:
                    collect(json.loads(line))
        check(nhs_numbers, "the simulated feeds held no NHS numbers: the privacy check would prove nothing")
        captured = collector.captured()
        check(len(captured) >= delivered + failed, f"only {len(captured)} uploads captured")
        uploads = b"".join(captured.values())
        logs = log_text(A) + log_text(B)
        with open(collector.log_path) as f:
            collector_log = f.read()
        for n in nhs_numbers:
            check(n.encode() not in uploads, "an NHS number from the feed is in an upload")
            check(n not in logs, "an NHS number from the feed is in gpwatchd's log")
            check(n not in collector_log, "an NHS number from the feed is in the collector's log")
        log(f"none of {len(nhs_numbers)} NHS numbers in {len(captured)} captured uploads or the logs")

        for ods, daemon in daemons.items():
            rc, _ = daemon.terminate()
            check(rc == 0, f"practice {ods}'s gpwatchd exited {rc} on SIGTERM")
        collector.stop()  # checks exit 0 on SIGTERM
        log("both gpwatchd and the collector exited 0 on SIGTERM")
    finally:
        for daemon in daemons.values():
            if daemon.alive():
                daemon.proc.kill()
        for sim in sims:
            sim.stop()
        if collector and collector.proc.poll() is None:
            collector.proc.kill()


if __name__ == "__main__":
    run(main)
