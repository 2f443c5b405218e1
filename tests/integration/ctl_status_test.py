#!/usr/bin/python3
"""What an admin meets at the command line, against a running gpwatchd
with both simulators (the clinical one reviewing the MESH simulator's Update Records):

  - the clinical simulator files and rejects Update Records, naming them by message id, and the
    ledger closes them;
  - `gpwatchctl status` tells running from stopped and a connected feed from one cut off, shows
    each feed's last event, MESH's last poll, each sink; `--json` carries every count the text
    shows (delivery, silences, internal conditions) and the daemon's state;
  - `gpwatchctl conditions` lists internal conditions on; a MESH REPORT's alert does not stay on;
  - the `alerts` table names an internal alert by its condition (mesh_delivery_report), not a
    write reason; `silence add --reason mesh_delivery_report` is accepted; `silence add --org rw1`
    is refused as the settings refuse it; the `writes` table keeps Update Record ids in their
    column; `status` says "no upload configured" only when no reporting.upload is set.

usage: ctl_status_test.py BIN_DIR"""

import fcntl
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MeshSimulator, Simulator, check, log, practice_daemon, run, wait_for  # noqa: E402
from peer_support import make_ca_and_leaf  # noqa: E402

BIN_DIR = os.path.abspath(sys.argv[1])


def ctl(daemon, *args, config=None):
    return subprocess.run([os.path.join(BIN_DIR, "gpwatchctl"), "--config", config or daemon.config, "--state-dir",
                           daemon.state_dir, *args], capture_output=True, text=True)


def status_json(daemon):
    return daemon.ctl_json("status")[0]


def main(workdir):
    key = os.path.join(workdir, "lmc-signing-key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
    mesh = MeshSimulator(BIN_DIR, workdir, "--rate", "4", "--count", "60", "--seed", "5")
    sim = Simulator(BIN_DIR, workdir, "--rate", "5", "--count", "150", "--seed", "9", "--heartbeat", "1",
                    "--review-delay", "1:4", "--update-records", mesh.journal)
    reporting = f"reporting:\n  signing_key_file: {key}\n"
    daemon = practice_daemon(BIN_DIR, workdir, sim, default_within="1h", extra=mesh.settings() + reporting)
    try:
        daemon.start()
        mesh.wait_all_delivered(60)
        sim.wait_all_generated(60)
        time.sleep(8)  # the last reviews (up to 4 s after) and the last commit

        # Update Records reviewed by the clinical simulator, by message id, closed in the ledger.
        journal = sim.journal_events()
        reviews = {e["item"]["id"]: e["event"] for e in journal
                   if e["event"].startswith("workflow.") and e["item"]["kind"] == "update-record"}
        check(reviews, "the clinical simulator reviewed no Update Record")
        writes = {w["upstream_id"]: w for w in daemon.ctl_json("writes") if w["feed"] == "update_record"}
        for upstream, event in reviews.items():
            want = "filed" if event == "workflow.filed" else "rejected"
            # A later message may have replaced it first: then it is closed as replaced.
            check(upstream in writes and writes[upstream]["review_state"] in (want, "replaced"),
                  f"Update Record {upstream}: {event} on the feed, ledger says "
                  f"{writes.get(upstream, {}).get('review_state')}")
        log(f"{len(reviews)} Update Records filed or rejected through the clinical feed, each closed in the ledger")

        # status: running, each feed, MESH, sinks; --json with every count.
        text = daemon.ctl("status")
        for words in ("gpwatchd: running", "feed clinical: connected", "mesh C84001OT001: working",
                      "sink duty_inbox (maildir)", "(no upload configured)", "delivery:", "silences active"):
            check(words in text, f"status does not say {words!r}:\n{text}")
        s = status_json(daemon)
        d = s["daemon"]
        check(d["running"] and d["responding"] and d["state"] == "running", f"status --json daemon: {d}")
        check(s["feed"]["connected"] and s["feed"]["last_event_at"], f"status --json feed: {s['feed']}")
        check(s["mesh"]["last_poll_at"] and s["mesh"]["healthy"], f"status --json mesh: {s['mesh']}")
        for k in ("deliveries_pending", "deliveries_waiting", "alerts_silenced", "silences_active",
                  "internal_conditions_on", "per_sink"):
            check(k in s["delivery"], f"status --json lacks delivery.{k}")
        check(s["reporting"]["upload_configured"] is False, f"status --json reporting: {s['reporting']}")
        log(f"status: {text.splitlines()[0]}; feed last event {s['feed']['last_event_at']}, "
            f"MESH last poll {s['mesh']['last_poll_at']}")

        # With an upload configured, status does not claim there is none.
        ca, cert, ckey = make_ca_and_leaf(workdir, "lmc")
        with_upload = os.path.join(workdir, "with-upload.yaml")
        with open(daemon.config) as f, open(with_upload, "w") as g:
            g.write(f.read() + f"  upload:\n    url: https://127.0.0.1:9/v1/reports\n    ca_file: {ca}\n"
                                f"    client_cert_file: {cert}\n    client_key_file: {ckey}\n")
        out = ctl(daemon, "status", config=with_upload)
        check(out.returncode == 0, f"status with an upload configured: {out.stderr}")
        check("lmc reports:" in out.stdout and "warning" not in out.stderr.lower(),
              f"status did not read the settings with the upload:\n{out.stdout}\n{out.stderr}")
        check("no upload configured" not in out.stdout, f"status says no upload is configured:\n{out.stdout}")

        # A MESH REPORT: its alert is named by its condition and does not stay on.
        reports = [e for e in mesh.journal_lines() if e.get("event") == "delivered" and e.get("message_type") == "REPORT"]
        alerts = daemon.ctl_json("alerts")
        internal = [a for a in alerts if a["kind"] == "internal"]
        check(any(a["reason"] == "mesh_delivery_report" for a in internal),
              f"no mesh_delivery_report alert ({len(reports)} REPORTs journalled; pick another seed)")
        table = daemon.ctl("alerts").splitlines()
        header = table[0]
        reason_at = header.index("REASON")
        for a in internal:
            row = next(line for line in table[1:] if line.split()[0] == str(a["id"]))
            shown = row[reason_at:].split()[0]
            check(shown == a["reason"], f"the alerts table shows {shown!r} for internal alert {a['id']} ({a['reason']})")
        conditions = daemon.ctl_json("conditions")
        check(all(":" not in c["condition"] for c in conditions),
              f"one-off events stay on as conditions: {[c['condition'] for c in conditions]}")
        check(not [c for c in s["conditions"] if ":" in c], "status lists one-off events as conditions")
        log(f"{len(internal)} internal alert(s) named by condition in the table; conditions on: "
            f"{[c['condition'] for c in conditions] or 'none'}")

        # Silences: any condition; an ODS code as the settings would take it.
        out = ctl(daemon, "silence", "add", "--reason", "mesh_delivery_report", "--until", "1h", "--comment", "t")
        check(out.returncode == 0 and "added" in out.stdout, f"silence --reason mesh_delivery_report: {out.stderr}")
        out = ctl(daemon, "silence", "add", "--org", "rw1", "--until", "1h", "--comment", "t")
        check(out.returncode == 2 and "did you mean 'RW1'" in out.stderr,
              f"silence --org rw1: exit {out.returncode}, {out.stderr!r}")
        log("silence: --reason mesh_delivery_report accepted; --org rw1 refused (did you mean 'RW1'?)")

        # The writes table: every value starts under its column's header, UUIDs included.
        table = daemon.ctl("writes").splitlines()
        header = table[0]
        from_at, patient_at = header.index("FROM"), header.index("PATIENT")
        long_ids = 0
        for line in table[1:-1]:
            check(line[from_at - 1] == " " and line[from_at] != " ", f"writes table: FROM out of its column: {line!r}")
            check(line[patient_at - 1] == " " and line[patient_at:patient_at + 2] == "p-",
                  f"writes table: PATIENT out of its column: {line!r}")
            long_ids += len(line.split()[1]) > 18
        check(long_ids, "no Update Record id in the writes table to try the columns with")
        log(f"writes table: {len(table) - 2} rows in their columns ({long_ids} long Update Record ids)")

        # A feed cut off: status says so.
        sim.stop()

        def cut_off():
            st = status_json(daemon)
            return st if not st["feed"]["connected"] else None
        st = wait_for(cut_off, 30, "status to see the feed cut off")
        check(st["daemon"]["state"] == "degraded" and any("feed" in p for p in st["daemon"]["problems"]),
              f"status --json with the feed cut off: {st['daemon']}")
        text = daemon.ctl("status")
        check("NOT CONNECTED" in text and "gpwatchd: degraded" in text, f"status with the feed cut off:\n{text}")
        log(f"feed cut off: {text.splitlines()[0]} / {text.splitlines()[1].strip()}")

        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc}")
        text = daemon.ctl("status")
        check(text.startswith("gpwatchd: not running"), f"status after SIGTERM:\n{text}")
        st = status_json(daemon)
        check(st["daemon"]["running"] is False, "status --json still sees gpwatchd running")
        check(st["daemon"]["stale"] is True and st["feed"]["connected"] is False and st["mesh"]["healthy"] is False,
              f"status --json reports a stopped gpwatchd's feed and MESH as live: {st['daemon']}, {st['feed']}")
        log(f"stopped: {text.splitlines()[0]}; --json marks what it last said stale")

        # A new gpwatchd holding the lock before it has written its status (opening a large
        # ledger): not the last one "running". The lock is taken here as gpwatchd takes it.
        with open(os.path.join(daemon.state_dir, "gpwatchd.lock"), "a+") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock.truncate(0)
            lock.write(f"{os.getpid()}\n")
            lock.flush()
            text = daemon.ctl("status")
            check(text.startswith(f"gpwatchd: starting (pid {os.getpid()}"), f"status while another holds the lock:\n{text}")
            check(status_json(daemon)["daemon"]["state"] == "starting", "status --json: not starting")
            log(f"lock held by a new process: {text.splitlines()[0]}")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()
        mesh.stop()


run(main)
