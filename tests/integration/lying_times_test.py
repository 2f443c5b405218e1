#!/usr/bin/python3
"""Times that lie are caught, with the real
binaries: the clinical simulator stamps every 5th event with a time that cannot be right (2099,
0001, 0000, 1900, 9999, 1970 in turn). gpwatchd must start each such write's review clock at its
arrival (a deadline within the hour's review time, never 2099 and never none), record one
implausible_time verdict saying what the sender claimed, alert on it in words, and show the
claimed time as it is in `gpwatchctl writes --json`; a review stamped before its write (1970,
0001...) closes nothing and is recorded as review_refused.

usage: lying_times_test.py BIN_DIR"""

import calendar
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Simulator, check, log, maildir_messages, practice_daemon, run, wait_for  # noqa: E402

BIN_DIR = os.path.abspath(sys.argv[1])
LIES = {"2099-05-28T10:00:00Z", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1900-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z"}
BEFORE_1990 = {t for t in LIES if t < "1990"}


def main(workdir):
    sim = Simulator(BIN_DIR, workdir, "--rate", "20", "--count", "400", "--seed", "21", "--review-delay", "1:4",
                    "--lying-times", "5")
    daemon = practice_daemon(BIN_DIR, workdir, sim, default_within="1h")
    try:
        started = time.time()
        daemon.start()
        sim.wait_all_generated(60)
        last = sim.journal_events()[-1]["seq"]
        wait_for(lambda: daemon.ctl_json("status")[0]["cursors"].get("clinical") == last, 60,
                 f"gpwatchd to record seq {last}")
        time.sleep(2)
        journal = sim.journal_events()
        writes = {w["upstream_id"]: w for w in daemon.ctl_json("writes")}

        lying_writes = [e for e in journal if e["time"] in LIES and e["event"] == "entry.created"
                        and e["entry"]["author"]["ods"] != "C84001" and e["entry"]["id"] in writes]
        check(len({e["time"] for e in lying_writes}) >= 4,
              f"the simulator stamped too few kinds of lie on outside writes: {sorted({e['time'] for e in lying_writes})}")
        latest_deadline = time.time() + 2 * 3600
        for e in lying_writes:
            w = writes[e["entry"]["id"]]
            check("implausible_time" in w["reasons"], f"write {w['id']} stamped {e['time']} has no implausible_time")
            check(w["written_at"] == e["time"], f"write {w['id']}: written_at {w['written_at']!r}, the sender said {e['time']}")
            check(w.get("trusted_at"), f"write {w['id']} stamped {e['time']}: no arrival time counts instead")
            if w["review_state"] == "unreviewed":
                check(w["deadline"], f"write {w['id']} stamped {e['time']} has no deadline")
                deadline = calendar.timegm(time.strptime(w["deadline"], "%Y-%m-%dT%H:%M:%SZ"))
                check(started <= deadline <= latest_deadline,
                      f"write {w['id']} stamped {e['time']}: deadline {w['deadline']}, not within its hour from arrival")
        log(f"{len(lying_writes)} outside writes with lying times ({', '.join(sorted({e['time'][:4] for e in lying_writes}))}): "
            "each marked implausible_time, its claimed time kept, its review clock from arrival")

        # A review stamped before 1990 names a write that came after it: no review of it.
        lying_reviews = [e for e in journal if e["time"] in BEFORE_1990 and e["event"].startswith("workflow.")
                         and e["item"]["id"] in writes]
        check(lying_reviews, "the simulator stamped no review with a time before 1990 (pick another seed)")
        for e in lying_reviews:
            w = writes[e["item"]["id"]]
            check("review_refused" in w["reasons"], f"write {w['id']}: the review stamped {e['time']} was taken")
            # The simulator reviews a write once: refused, it stays open.
            check(w["review_state"] == "unreviewed",
                  f"write {w['id']} is {w['review_state']} after its only review, stamped {e['time']}, was refused")
        log(f"{len(lying_reviews)} reviews stamped before 1990: none taken, each recorded as review_refused")

        # The duty GP reads what happened, in words.
        bodies = [b for h, b in maildir_messages(os.path.join(daemon.state_dir, "duty-inbox"))
                  if h.get("X-Gpwatch-Reason") == "implausible_time"]
        check(bodies, "no implausible_time alert in the duty inbox")
        sample = bodies[0]
        check("cannot be right" in sample and "unknown" not in sample and "arrived" in sample,
              f"the implausible_time alert does not say what happened:\n{sample}")
        log("an implausible_time alert as the duty GP reads it:\n" + sample)
        rc, _ = daemon.terminate()
        check(rc == 0, f"gpwatchd exited {rc}")
    finally:
        if daemon.alive():
            daemon.proc.kill()
        sim.stop()


if __name__ == "__main__":
    run(main)
