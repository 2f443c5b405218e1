#!/usr/bin/python3
"""The command-line contracts admins' scripts rely on:
  gpwatchd --check-config FILE   exit 0 for the shipped example; exit 2 naming file, line, setting
  gpwatchd --config BAD          refuses to start, exit 2, nothing created
  gpwatchd (bad usage)           exit 2 with usage
  gpwatchctl without a ledger    exit 1 with a clear message

usage: cli_test.py BIN_DIR SOURCE_DIR"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, run  # noqa: E402

BIN_DIR, SOURCE_DIR = sys.argv[1], sys.argv[2]
GPWATCHD = os.path.join(BIN_DIR, "gpwatchd")
GPWATCHCTL = os.path.join(BIN_DIR, "gpwatchctl")
EXAMPLE = os.path.join(SOURCE_DIR, "config", "gpwatchd.yaml")


def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30)


def main(workdir):
    r = sh(GPWATCHD, "--check-config", EXAMPLE)
    check(r.returncode == 0, f"the shipped example does not validate: {r.stderr}")
    check("settings are valid" in r.stdout, f"unexpected output: {r.stdout!r}")
    log("--check-config on the shipped example: exit 0")

    with open(EXAMPLE) as f:
        lines = f.read().splitlines()
    # Break one setting on a known line: the error must name this file, that line and the setting.
    idx = next(i for i, l in enumerate(lines) if l.strip().startswith("review_within: 30s"))
    lines[idx] = lines[idx].replace("30s", "half an hour")
    bad = os.path.join(workdir, "bad.yaml")
    with open(bad, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = sh(GPWATCHD, "--check-config", bad)
    check(r.returncode == 2, f"--check-config on a bad file exited {r.returncode}")
    expected = f"{bad}:{idx + 1}:"
    check(expected in r.stderr and "organisations.allowed[0].review_within" in r.stderr,
          f"the error does not name {expected} and the setting: {r.stderr!r}")
    log(f"--check-config on a bad file: exit 2, {r.stderr.splitlines()[0]}")

    state = os.path.join(workdir, "state")
    r = sh(GPWATCHD, "--config", bad, "--state-dir", state)
    check(r.returncode == 2, f"gpwatchd started on bad settings (exit {r.returncode})")
    check(not os.path.exists(state), "gpwatchd created its state directory before refusing bad settings")
    check("not starting" in r.stderr, f"no clear refusal: {r.stderr!r}")
    log("--config with bad settings: exit 2, nothing created")

    r = sh(GPWATCHD, "--frobnicate")
    check(r.returncode == 2 and "usage:" in r.stderr, "bad usage is not exit 2 with usage")
    r = sh(GPWATCHD, "--check-config", os.path.join(workdir, "missing.yaml"))
    check(r.returncode == 2 and "missing.yaml" in r.stderr, f"a missing file is not named: {r.stderr!r}")

    r = sh(GPWATCHCTL, "--config", EXAMPLE, "--state-dir", state, "writes")
    check(r.returncode == 1 and "no ledger" in r.stderr, f"gpwatchctl without a ledger: {r.returncode} {r.stderr!r}")
    r = sh(GPWATCHCTL, "--config", EXAMPLE, "frobnicate")
    check(r.returncode == 2 and "usage:" in r.stderr, "gpwatchctl bad usage is not exit 2 with usage")
    log("usage errors: exit 2; gpwatchctl without a ledger: exit 1")


run(main)
