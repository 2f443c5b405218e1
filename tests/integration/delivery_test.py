"""Alert delivery end to end: gpwatchd watching the clinical simulator routes its alerts to a
real SMTP submission server (aiosmtpd, peers/smtp_server.py: STARTTLS and AUTH PLAIN required,
certificate made by the test) and to the duty inbox Maildir. The SMTP server is stopped for a
while as alerts keep coming, then started again on the same port:

  - every alert reaches the SMTP server exactly once: alone, or inside one digest (counted by
    Message-ID and by the alert ids each message carries, X-Gpwatch-Alert-Id / X-Gpwatch-Covers);
    no Message-ID twice; every message well-formed, authenticated, with severity and reason in
    its subject;
  - the backlog of the long outage arrives as a digest, not a flood;
  - the Maildir sink, up throughout, got every alert on time, once each;
  - the outbox backing up raised one internal alert (outbox_backlog) while it lasted, and one
    "resolved" alert after, not one per check;
  - urgent write alerts also become one task each in the clinical simulator (POST /tasks);
  - a silence added with gpwatchctl holds back one organisation's alerts: recorded, marked
    silenced, counted, never sent;
  - no NHS number in gpwatchd's log.

usage: delivery_test.py BIN_DIR"""

import email
import email.policy
import os
import re
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Simulator, check, log, maildir_messages, practice_daemon, run, smtp_server, wait_for  # noqa: E402
from peer_support import make_ca_and_leaf  # noqa: E402

BIN_DIR = sys.argv[1]
USER = "gpwatch@test-practice.nhs.net"
PASSWORD = "correct horse battery staple"
OUTAGE = 25  # seconds the SMTP server is down: longer than backlog_digest_after below


def SmtpServer(workdir, cert, key, out_dir, port=0):
    return smtp_server(workdir, cert, key, out_dir, USER, PASSWORD, port)


def delivery_section(port, ca, password_file, sim, token_file):
    return f"""
delivery:
  sinks:
    - name: duty_smtp
      type: smtp
      url: smtp://127.0.0.1:{port}
      from: {USER}
      to: duty-gp@test-practice.nhs.net
      auth: plain
      username: {USER}
      password_file: {password_file}
      ca_file: {ca}
    - name: duty_inbox
      type: maildir
    - name: duty_task
      type: task
      url: https://127.0.0.1:{sim.port}/tasks
      token_file: {token_file}
      ca_file: {sim.ca_file}
  routes:
    - sinks: [duty_smtp, duty_inbox]
    - severity: urgent
      kind: write
      sinks: duty_task
  backlog_digest_after: 10s
  backlog_digest_min: 3
  # This test is about an outage's backlog and silences; the flood limit has its own
  # (backlog_replay, the delivery pipeline's unit tests): set out of the way here.
  flood_limit: 100000
  internal:
    check_every: 1s
    outbox_oldest_max: 5s
    outbox_backlog_max: 1000
"""


def smtp_messages(out_dir):
    out = []
    for name in sorted(os.listdir(out_dir)):
        if name.endswith(".eml"):
            with open(os.path.join(out_dir, name), "rb") as f:
                raw = f.read()
            check(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), f"{name}: bare LF line ends")
            out.append((name, email.message_from_bytes(raw, policy=email.policy.default)))
    return out


def main(workdir):
    ca, cert, key = make_ca_and_leaf(workdir, "smtp")
    password_file = os.path.join(workdir, "smtp-password")
    with open(password_file, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(password_file, 0o600)
    token_file = os.path.join(workdir, "task-token")
    with open(token_file, "w") as f:
        f.write("gpwatch-sim-token\n")
    out_dir = os.path.join(workdir, "smtp-out")
    smtp = SmtpServer(workdir, cert, key, out_dir)
    port = smtp.port
    sim = Simulator(BIN_DIR, workdir, "--count", "240", "--rate", "6", "--seed", "5", "--review-delay", "1:6")
    daemon = practice_daemon(BIN_DIR, workdir, sim, default_within="4s")
    with open(daemon.config, "a") as f:
        f.write(delivery_section(port, ca, password_file, sim, token_file))
    try:
        daemon.start()
        wait_for(lambda: len(smtp_messages(out_dir)) >= 3, 60, "the first alerts by SMTP")
        # A silence for one organisation, added while gpwatchd runs (no reload).
        out = daemon.ctl("silence", "add", "--org", "NTV21", "--until", "2h", "--comment", "known new writer")
        check("silence 1 added" in out, f"silence add said {out!r}")
        silence_from = time.time()
        log(f"{len(smtp_messages(out_dir))} messages by SMTP; stopping the SMTP server for {OUTAGE}s")
        smtp.stop()
        down_at = time.time()
        before = len(smtp_messages(out_dir))
        time.sleep(OUTAGE)
        alerts_during = [a for a in daemon.ctl_json("alerts") if a["kind"] == "write" and a["created_at"]]
        check(len(smtp_messages(out_dir)) == before, "messages arrived while the server was down")
        smtp = SmtpServer(workdir, cert, key, out_dir, port=port)
        log(f"SMTP server back after {time.time() - down_at:.0f}s with {len(alerts_during)} write alerts in the ledger")
        sim.wait_all_generated(120)

        def settled():
            alerts = daemon.ctl_json("alerts")
            if any(a["delivery_state"] == "pending" for a in alerts):
                return None
            time.sleep(6)  # overdue alerts come up to a few seconds after the last event
            again = daemon.ctl_json("alerts")
            return again if len(again) == len(alerts) and all(a["delivery_state"] != "pending" for a in again) else None
        alerts = wait_for(settled, 240, "every alert delivered")
        ntv21_writes = [w for w in daemon.ctl_json("writes") if w["author_ods"] == "NTV21"]
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc}")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()
        smtp.stop()

    by_id = {a["id"]: a for a in alerts}
    writes = [a for a in alerts if a["kind"] == "write"]
    internal = [a for a in alerts if a["kind"] == "internal"]
    digests = [a for a in alerts if a["kind"] == "digest"]
    silenced = [a for a in alerts if a["delivery_state"] == "silenced"]
    check(all(a["delivery_state"] in ("delivered", "silenced") for a in alerts),
          f"not every alert delivered: {Counter(a['delivery_state'] for a in alerts)}")

    # SMTP: each alert exactly once, alone or in a digest; no Message-ID twice.
    msgs = smtp_messages(out_dir)
    ids = Counter(m["Message-ID"] for _, m in msgs)
    check(all(n == 1 for n in ids.values()), f"a Message-ID arrived twice: {[k for k, n in ids.items() if n > 1]}")
    carried = Counter()
    backlog_digests = 0
    for name, m in msgs:
        check(m["Subject"] and m["Subject"].startswith("["), f"{name}: subject without severity: {m['Subject']!r}")
        check(m["From"] and USER in m["From"], f"{name}: From {m['From']!r}")
        alert_id = int(m["X-Gpwatch-Alert-Id"])
        check(alert_id in by_id, f"{name}: alert {alert_id} is not in the ledger")
        if m["X-Gpwatch-Kind"] == "digest":
            covers = [int(x) for x in m["X-Gpwatch-Covers"].split(",")]
            carried.update(covers)
            check(by_id[alert_id].get("covers") == covers, f"{name}: covers differ from the ledger's digest")
            if "could not be delivered for a while" in m.get_content():
                backlog_digests += 1
        else:
            carried[alert_id] += 1
    with open(os.path.join(out_dir, "0001.json")) as f:
        meta = f.read()
    check('"mechanism": "PLAIN"' in meta and USER in meta, f"first message not sent with AUTH PLAIN: {meta}")
    should = {a["id"] for a in alerts if a["kind"] != "digest" and a["delivery_state"] == "delivered"}
    check(set(carried) == should,
          f"SMTP carried {len(carried)} alerts, the ledger delivered {len(should)}: missing "
          f"{sorted(should - set(carried))[:10]}, unexpected {sorted(set(carried) - should)[:10]}")
    twice = [k for k, n in carried.items() if n > 1]
    check(not twice, f"alerts carried twice by SMTP: {twice[:10]}")
    check(backlog_digests >= 1, "the outage's backlog did not arrive as a digest")
    check(len(msgs) < len(should), f"{len(msgs)} messages for {len(should)} alerts: no gathering happened")
    log(f"SMTP: {len(msgs)} messages carried {len(should)} alerts exactly once ({backlog_digests} backlog "
        f"digest(s)); {len(writes)} write, {len(internal)} internal, {len(digests)} digest alerts")

    # Maildir, up throughout: every alert, once each (digests are per sink: none here).
    inbox = Counter(int(h["X-Gpwatch-Alert-Id"]) for h, _ in maildir_messages(os.path.join(daemon.state_dir, "duty-inbox")))
    check(all(n == 1 for n in inbox.values()), "an alert is in the duty inbox twice")
    check(set(inbox) == should, f"duty inbox holds {len(inbox)} alerts, expected {len(should)}")

    # The clinical-system task sink: one task per urgent write alert (the simulator records a
    # task once per dedupe key; a resend would be answered 200 and not recorded again).
    # The key names the ledger too ("gpwatch-C84001-ledger-<16 hex>-alert-<id>"): one ledger here.
    tasks = Counter(t["dedupe_key"] for t in sim.journal_tasks())
    keys = [re.fullmatch(r"gpwatch-C84001-ledger-([0-9a-f]{16})-alert-(\d+)", k) for k in tasks]
    check(all(keys), f"a dedupe_key of another shape: {sorted(tasks)[:3]}")
    check(len({k.group(1) for k in keys}) == 1, "the tasks name more than one ledger")
    task_ids = {int(k.group(2)) for k in keys}
    urgent = {a["id"] for a in writes if a["severity"] == "urgent" and a["delivery_state"] == "delivered"}
    check(urgent, "no urgent write alert to make a task of")
    check(task_ids == urgent, f"tasks {len(task_ids)} != urgent alerts {len(urgent)}")
    log(f"{len(tasks)} tasks in the clinical system, one per urgent alert")

    # The backlog raised one internal alert, and one "resolved" alert after.
    backlog = [a for a in internal if a["reason"] == "outbox_backlog"]
    check(len(backlog) == 2, f"outbox_backlog alerts: {[(a['severity'], a['subject']) for a in backlog]}")
    check(backlog[0]["severity"] == "high" and "resolved" in backlog[1]["subject"],
          f"outbox_backlog alerts: {[(a['severity'], a['subject']) for a in backlog]}")

    # The silence: NTV21's alerts after it are recorded and silenced, never sent.
    check(silenced, "the simulator's NTV21 wrote nothing after the silence (pick another seed)")
    ntv21 = {w["id"] for w in ntv21_writes}
    check(all(a["write_id"] in ntv21 for a in silenced), "a silenced alert is not about an NTV21 write")
    check(not any(a["id"] in carried or a["id"] in inbox for a in silenced), "a silenced alert was delivered")
    listed = daemon.ctl_json("silence", "list")
    check(listed and listed[0]["matched"] == len(silenced),
          f"silence list counts {listed[0]['matched'] if listed else None}, ledger holds {len(silenced)} silenced")
    out = daemon.ctl("silence", "expire", "1")
    check("expired" in out, out)
    log(f"{len(silenced)} NTV21 alerts silenced since {time.strftime('%H:%M:%S', time.localtime(silence_from))}, "
        "recorded and counted, none sent")

    with open(os.path.join(workdir, "gpwatchd.log")) as f:
        text = f.read()
    for e in sim.journal_events():
        nhs = e.get("entry", {}).get("patient", {}).get("nhs_number")
        check(not nhs or nhs not in text, "an NHS number appears in gpwatchd's log")


run(main)
