#!/usr/bin/python3
"""Nothing is lost or repeated across restarts: the simulator sends 2000 events with --chaos (connections dropped at random,
mid-frame too) while gpwatchd is killed with SIGKILL at random moments and restarted, at least
five times. Afterwards:
  - every third-party write in the simulator's journal is in the ledger exactly once, with exactly
    as many events as the journal sent for it, and the review state the journal implies;
  - nothing the practice wrote itself is in the ledger;
  - the processor-drift rows (sharing.changed that departs from the settings) each name a
    sharing.changed the journal sent, and are kept apart from the third-party writes;
  - every alert exists exactly once, in the ledger and in the duty inbox;
  - a final restart repeats nothing, and SIGTERM exits 0 within 10 s.

usage: chaos_restart_test.py BIN_DIR"""

import os
import random
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Simulator, carried_by, check, log, maildir_messages, practice_daemon, run, wait_for  # noqa: E402

BIN_DIR = sys.argv[1]
COUNT = 2000
KILLS = 6


def expected_from_journal(events):
    """(third-party entry id -> (events sent, final review state, author), own-practice ids)."""
    writes, own = {}, set()
    for ev in events:
        kind = ev["event"]
        if kind.startswith("entry."):
            entry = ev["entry"]
            if entry["author"]["ods"] == ev["practice"]:
                own.add(entry["id"])
                continue
            n, state, author = writes.get(entry["id"], (0, "unreviewed", entry["author"]["ods"]))
            if kind == "entry.amended" and state in ("filed", "rejected"):
                state = "unreviewed"
            writes[entry["id"]] = (n + 1, state, author)
        elif kind in ("workflow.filed", "workflow.rejected") and ev["item"]["kind"] == "entry":
            item = ev["item"]["id"]
            if item in writes:
                n, state, author = writes[item]
                if state == "unreviewed":
                    writes[item] = (n, "filed" if kind == "workflow.filed" else "rejected", author)
    return writes, own


def caught_up(daemon, last_seq):
    status = daemon.ctl_json("status")[0]
    done = status["cursors"].get("clinical") == last_seq and status["alerts_pending"] == 0
    return status if done else None


def main(workdir):
    seed = int(os.environ.get("GPWATCH_TEST_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    log(f"seed {seed}, work directory {workdir}")
    sim = Simulator(BIN_DIR, workdir, "--count", str(COUNT), "--rate", "150", "--seed", str(seed),
                    "--chaos", "--heartbeat", "1", "--review-delay", "1:8")
    # Every restart is a catch-up: its alerts go as flood digests, each pause kept short here so
    # that "nothing pending" comes within the test's wait.
    daemon = practice_daemon(BIN_DIR, workdir, sim, extra="delivery:\n  flood_window: 5s\n")
    state = daemon.state_dir
    try:
        daemon.start()
        for i in range(KILLS):
            time.sleep(rng.uniform(0.4, 2.0))
            check(daemon.alive(), f"gpwatchd died by itself before kill {i + 1}; see gpwatchd.log")
            daemon.kill9()
            log(f"SIGKILL {i + 1}/{KILLS}")
            time.sleep(rng.uniform(0.0, 0.3))
            daemon.start()
        sim.wait_all_generated(timeout=120)
        status = wait_for(lambda: caught_up(daemon, COUNT), 120, f"gpwatchd to catch up with seq {COUNT}")
        log(f"caught up: {status}")

        # One more crash once everything is durable: a restart must repeat nothing.
        alerts_before = daemon.ctl_json("alerts")
        daemon.kill9()
        daemon.start()
        time.sleep(2)
        rc, took = daemon.terminate(timeout=10)
        check(rc == 0, f"gpwatchd exited {rc} on SIGTERM")
        log(f"SIGTERM: exit 0 after {took:.2f}s")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()

    journal = sim.journal_events()
    check(len(journal) == COUNT, f"journal holds {len(journal)} events, expected {COUNT}")
    check([e["seq"] for e in journal] == list(range(1, COUNT + 1)), "journal seqs are not 1..N")
    expected, own = expected_from_journal(journal)

    rows = daemon.ctl_json("writes")
    # A sharing.changed that departs from the settings opens a processor-drift row among the
    # writes (one per episode); it is nobody's write into a record, so it is checked on its own.
    drifts = [w for w in rows if w["event"] == "sharing.changed"]
    writes = [w for w in rows if w["event"] != "sharing.changed"]
    sharing_seqs = {e["seq"] for e in journal if e["event"] == "sharing.changed"}
    for d in drifts:
        check(d["seq"] in sharing_seqs, f"drift row {d['upstream_id']} names seq {d['seq']}, not a sharing.changed")
    drift_ids = Counter(d["upstream_id"] for d in drifts)
    check(all(n == 1 for n in drift_ids.values()), "a processor drift is recorded twice")
    log(f"{len(sharing_seqs)} sharing.changed sent, {len(drifts)} processor drift(s) recorded; "
        f"{sum(e['event'] == 'patient.flags' for e in journal)} patient.flags sent")
    ids = Counter(w["upstream_id"] for w in writes)
    dupes = [i for i, n in ids.items() if n > 1]
    check(not dupes, f"writes recorded more than once: {dupes[:5]}")
    missing = set(expected) - set(ids)
    check(not missing, f"{len(missing)} third-party writes missing from the ledger, e.g. {sorted(missing)[:5]}")
    extra = set(ids) - set(expected)
    check(not extra, f"ledger holds writes the journal never sent as third-party: {sorted(extra)[:5]}")
    check(not (own & set(ids)), "the practice's own writes are in the ledger")
    for w in writes:
        n, review_state, author = expected[w["upstream_id"]]
        check(w["event_count"] == n,
              f"{w['upstream_id']}: ledger counted {w['event_count']} events, the journal sent {n}")
        check(w["review_state"] == review_state,
              f"{w['upstream_id']}: review state {w['review_state']}, the journal implies {review_state}")
        check(w["author_ods"] == author, f"{w['upstream_id']}: author {w['author_ods']} != {author}")
    log(f"{len(writes)} third-party writes, each exactly once; {len(own)} own-practice writes absent")

    alerts = daemon.ctl_json("alerts")
    after = {a["id"]: (a["write_id"], a["reason"]) for a in alerts}
    for a in alerts_before:
        check(after.get(a["id"]) == (a["write_id"], a["reason"]), f"alert {a['id']} changed after restart")
    new = [a for a in alerts if a["id"] not in {b["id"] for b in alerts_before} and a["kind"] == "write"]
    check(all(a["reason"] in ("unreviewed_overdue", "unreviewed_escalated") for a in new),
          "the final restart raised something other than a newly due overdue alert")
    digests = [a for a in alerts if a["kind"] == "digest"]
    alerts = [a for a in alerts if a["kind"] != "digest"]
    keys = Counter((a["write_id"], a["reason"]) for a in alerts)
    check(all(n == 1 for n in keys.values()), "an alert exists twice for one (write, reason)")
    by_reason = Counter(a["reason"] for a in alerts)
    unauthorised = {w["id"] for w in writes if w["author_ods"] == "RW1"}
    unknown = {w["id"] for w in writes if w["author_ods"] == "NTV21"}
    check({a["write_id"] for a in alerts if a["reason"] == "unauthorised_write"} == unauthorised,
          "not every RW1 write has its one unauthorised_write alert")
    check({a["write_id"] for a in alerts if a["reason"] == "unknown_writer"} == unknown,
          "not every NTV21 write has its one unknown_writer alert")
    check(by_reason["unreviewed_overdue"] > 0, "no overdue alert fired (RT5's deadline is 3 s)")
    check(all(a["delivery_state"] == "delivered" for a in alerts), "an alert was not delivered")

    # Each alert reaches the duty inbox once: alone, or inside one digest (every restart is a
    # catch-up, and a burst beyond the flood limit goes as a digest).
    messages = maildir_messages(os.path.join(state, "duty-inbox"))
    carried = carried_by(messages)
    check(all(n == 1 for n in carried.values()), "an alert is in the duty inbox twice")
    check(set(carried) == {a["id"] for a in alerts},
          f"duty inbox carries {len(carried)} alerts, the ledger holds {len(alerts)}")
    log(f"{len(alerts)} alerts, each exactly once in ledger and inbox ({len(messages)} messages, "
        f"{len(digests)} digests): {dict(by_reason)}")

    with open(os.path.join(workdir, "gpwatchd.log")) as f:
        text = f.read()
    for e in journal:
        # Writes carry the patient in entry; patient.flags carries it at the top.
        nhs = (e.get("entry") or e).get("patient", {}).get("nhs_number")
        check(not nhs or nhs not in text, "an NHS number appears in gpwatchd's log")
    log("no NHS number in gpwatchd's log")


run(main)
