#!/usr/bin/python3
"""gpwatchctl report: what a practice would send its LMC, shown before it leaves.
  gpwatchctl report show [--period P] [--json|--csv]   exit 0; redacted cells shown as such;
                                                         nothing about patients in the output
  gpwatchctl report list                                 exit 0 (no revision recorded yet)
  gpwatchctl report public-key                           the PEM openssl derives from the key
  bad period / bad subcommand                            exit 2; missing key file: exit 1

gpwatchd makes the ledger (feed off), stops, and the test writes incidents into it with sqlite3
(written in the most recent closed week, Europe/London), then reads them back through gpwatchctl.

usage: report_cli_test.py BIN_DIR"""

import datetime
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, log, run, wait_for  # noqa: E402

BIN_DIR = sys.argv[1]
GPWATCHD = os.path.join(BIN_DIR, "gpwatchd")
GPWATCHCTL = os.path.join(BIN_DIR, "gpwatchctl")
LONDON = zoneinfo.ZoneInfo("Europe/London")
NHS_NUMBER = "9434765919"
AUTHOR_NAME = "Secret Trust Of Somewhere"
ENTRY_PREFIX = "entry-private-"


def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30)


def latest_closed_week_start(now):
    """Monday 00:00 London of the newest week that ended at least 48 h ago (unix seconds)."""
    settled = datetime.datetime.fromtimestamp(now - 48 * 3600, LONDON).date()
    this_monday = settled - datetime.timedelta(days=settled.weekday())
    monday = this_monday - datetime.timedelta(days=7)
    start = datetime.datetime(monday.year, monday.month, monday.day, tzinfo=LONDON)
    return int(start.timestamp()), monday.isocalendar()


def add_writes(ledger, start, n, org_type, reason, valid=1, rule=""):
    db = sqlite3.connect(ledger)
    base = db.execute("SELECT count(*) FROM writes").fetchone()[0]
    for i in range(n):
        cur = db.execute(
            "INSERT INTO writes (feed, upstream_id, first_seq, last_event, practice, author_ods, author_name, "
            "author_org_type, author_user_role, author_user_id, nhs_number, nhs_number_valid, route, "
            "resource_type, nopat, written_at, received_at, review_from, review_within_s, review_state) "
            "VALUES ('clinical', ?, ?, 'entry.created', 'C84001', 'RX1', ?, ?, 'R8000', 'u-1', ?, ?, "
            "'shared-record', 'Observation', 0, ?, ?, ?, 3600, 'unreviewed')",
            (f"{ENTRY_PREFIX}{base + i}", base + i + 1, AUTHOR_NAME, org_type, NHS_NUMBER, valid,
             start + 600 + i, start + 660 + i, start + 600 + i))
        db.execute("INSERT INTO verdicts (write_id, reason, severity, detail, created_at, rule) "
                   "VALUES (?, ?, 'high', 'detail', ?, ?)", (cur.lastrowid, reason, start + 700, rule))
    db.commit()
    db.close()


def main(workdir):
    key = os.path.join(workdir, "lmc-signing-key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
    settings = os.path.join(workdir, "gpwatchd.yaml")
    with open(settings, "w") as f:
        f.write("practice:\n  ods: C84001\n  name: Test Practice\nstate_dir: state\n"
                "clinical_feed:\n  enabled: false\n"
                "rules:\n  - name: safe\n    category: safeguarding\n    match:\n      feed: clinical\n"
                "    severity: high\n"
                "reporting:\n  signing_key_file: lmc-signing-key.pem\n")

    daemon_log = open(os.path.join(workdir, "gpwatchd.log"), "w")
    daemon = subprocess.Popen([GPWATCHD, "--config", settings], stdout=daemon_log, stderr=subprocess.STDOUT)
    ledger = os.path.join(workdir, "state", "ledger.sqlite")
    try:
        wait_for(lambda: "gpwatchd ready" in open(os.path.join(workdir, "gpwatchd.log")).read(), 30, "gpwatchd ready")
    finally:
        daemon.send_signal(signal.SIGTERM)
        rc = None
        try:
            rc = daemon.wait(15)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
            raise TestFailure("gpwatchd (feed off, no MESH) did not exit within 15 s of SIGTERM")
        finally:
            daemon_log.close()
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")

    start, (year, week, _) = latest_closed_week_start(int(time.time()))
    period = f"{year}-W{week:02d}"
    add_writes(ledger, start, 12, "acute-trust", "unknown_writer")
    add_writes(ledger, start, 3, "mental-health-trust", "unknown_writer")
    add_writes(ledger, start, 22, "community-pharmacy", "content_rule", valid=0, rule="safe")
    log(f"ledger holds 37 writes in {period}")

    r = sh(GPWATCHCTL, "--config", settings, "report", "show", "--json")
    check(r.returncode == 0, f"report show --json exited {r.returncode}: {r.stderr}")
    report = json.loads(r.stdout)
    check(report["period"] == period, f"default period {report['period']}, expected {period}")
    check(report["practice_ods"] == "C84001" and report["revision"] == 1, f"header: {report}")
    with open(settings, "rb") as f:
        check(report["settings_hash"] == "sha256:" + hashlib.sha256(f.read()).hexdigest(), "settings hash")
    totals = {t["reason"]: t for t in report["totals"]}
    check(totals["unknown_writer"]["value"] == 15, f"unknown_writer total {totals['unknown_writer']}")
    check(totals["content_rule:safeguarding"]["value"] == 20, "22 rounds to 20")
    check(totals["invalid_nhs_number"]["value"] == 20, "22 invalid NHS numbers round to 20")
    check(totals["unauthorised_write"] == {"reason": "unauthorised_write", "value": 0, "redacted": False},
          "0 stays 0")
    uw = [c for c in report["counts"] if c["reason"] == "unknown_writer"]
    check(all(c["redacted"] and c["value"] is None for c in uw),
          f"the 3 is redacted and the 12 suppressed with it (the total shows): {uw}")
    log("report show --json: controlled counts, 0 kept, secondary suppression")

    r = sh(GPWATCHCTL, "--config", settings, "report", "show", "--period", period)
    check(r.returncode == 0 and "redacted" in r.stdout and period in r.stdout, f"text: {r.returncode} {r.stdout}")
    r2 = sh(GPWATCHCTL, "--config", settings, "report", "show", "--csv")
    check(r2.returncode == 0 and r2.stdout.startswith("practice_ods,period,revision,kind,"), f"csv: {r2.stdout}")
    check(f"C84001,{period},1,total,unknown_writer,,,,15" in r2.stdout, f"csv total line missing: {r2.stdout}")
    for out in (r.stdout, r2.stdout, json.dumps(report)):
        for secret in (NHS_NUMBER, AUTHOR_NAME, ENTRY_PREFIX):
            check(secret not in out, f"report output contains {secret!r}")
    log("report show (text, CSV): same counts, nothing about patients")

    r = sh(GPWATCHCTL, "--config", settings, "report", "list")
    check(r.returncode == 0 and "0 report(s)" in r.stdout, f"report list: {r.returncode} {r.stdout}")
    r = sh(GPWATCHCTL, "--config", settings, "report", "public-key")
    pub = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], capture_output=True, text=True, check=True).stdout
    check(r.returncode == 0 and pub in r.stdout and "key_id: ed25519:" in r.stdout, f"public-key: {r.stdout}")
    log("report list and public-key: exit 0")

    r = sh(GPWATCHCTL, "--config", settings, "report", "show", "--period", "2026-W99")
    check(r.returncode == 2 and "not an ISO week" in r.stderr, f"bad period: {r.returncode} {r.stderr}")
    r = sh(GPWATCHCTL, "--config", settings, "report", "frobnicate")
    check(r.returncode == 2, f"bad subcommand: {r.returncode}")
    os.remove(key)
    r = sh(GPWATCHCTL, "--config", settings, "report", "public-key")
    check(r.returncode == 1 and "signing key" in r.stderr, f"missing key: {r.returncode} {r.stderr}")
    log("usage errors exit 2; a missing key exits 1 naming it")


run(main)
