#!/usr/bin/python3
"""gpwatch-collector with SQLite: three practices upload forged reports over mutual TLS (stock
curl), every upload is captured (--capture-dir), and the LMC page, opened in headless Chromium,
renders (after its script ran) a table of the re-controlled aggregates with "redacted" markers,
"0" where practices reported nothing and "—" (title "no reports") where no practice reported,
and an SVG chart with round y-axis ticks and nothing drawn for a week without reports.

usage: collector_page_test.py BIN_DIR"""

import datetime
import os
import subprocess
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, log, run  # noqa: E402
from collector_harness import (Collector, forge, make_certs, sh, spki_sha256_base64, upload,  # noqa: E402
                               write_config)

BIN_DIR = sys.argv[1]
CHROMIUM = "/usr/bin/chromium"


def iso_week(days_ago):
    y, w, _ = (datetime.date.today() - datetime.timedelta(days=days_ago)).isocalendar()
    return f"{y}-W{w:02d}"


class TableReader(HTMLParser):
    """Rows of <table id="counts"> keyed by data-reason; cells keyed by data-week (their title
    attributes in `titles`); plus the SVG: bars per week, y-axis tick labels and 0 markers."""

    def __init__(self):
        super().__init__()
        self.rows = {}
        self.in_table = False
        self.reason = None
        self.week = None
        self.text = ""
        self.svg_rects = 0
        self.svg_seen = False
        self.titles = {}
        self.bar_weeks = set()
        self.y_ticks = []
        self.zero_weeks = set()
        self.svg_text = None  # the class of the SVG <text> being read

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "counts":
            self.in_table = True
        elif tag == "svg" and a.get("id") == "counts-chart":
            self.svg_seen = True
        elif tag == "rect" and a.get("data-reason"):
            self.svg_rects += 1
            self.bar_weeks.add(a.get("data-week"))
        elif tag == "text" and a.get("class") == "y-tick":
            self.svg_text = "y-tick"
            self.text = ""
        elif tag == "text" and a.get("class") == "zero-marker":
            self.zero_weeks.add(a.get("data-week"))
        elif self.in_table and tag == "tr":
            self.reason = a.get("data-reason")
        elif self.in_table and tag == "td" and self.reason:
            self.week = a.get("data-week")
            self.text = ""
            if self.week and a.get("title"):
                self.titles.setdefault(self.reason, {})[self.week] = a["title"]

    def handle_data(self, data):
        if self.week or self.svg_text:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "text" and self.svg_text:
            self.y_ticks.append(self.text.strip())
            self.svg_text = None
        elif tag == "table":
            self.in_table = False
        elif tag == "td" and self.week:
            self.rows.setdefault(self.reason, {})[self.week] = self.text.strip()
            self.week = None


def main(workdir):
    certs = make_certs(os.path.join(workdir, "certs"))
    # `week`, `earlier` and `zero_week` have reports; `silent` (last week, within the default 12
    # weeks shown) has none.
    week, earlier, zero_week, silent = iso_week(14), iso_week(21), iso_week(28), iso_week(7)
    config = os.path.join(workdir, "collector.yaml")
    write_config(config, certs, f"storage:\n  backend: sqlite\n  sqlite_path: {workdir}/collector.db")
    f = lambda name: os.path.join(workdir, name)  # noqa: E731
    capture = f("capture")

    # Three practices: unauthorised_write 10 each (-> 30); unknown_writer 3 and 5 (both redacted)
    # and 0; in the earlier week only C reports, 2 incidents (redacted).
    practices = {"A81001": ("unauthorised_write:clinical:acute-trust=10", "unknown_writer:clinical:unknown=3"),
                 "B82002": ("unauthorised_write:update_record:community-pharmacy=11", "unknown_writer:clinical:unknown=5"),
                 "C83003": ("unauthorised_write:clinical:out_of_hours=9", "unknown_writer:clinical:unknown=0")}
    collector = None
    try:
        for ods, counts in practices.items():
            forge(BIN_DIR, f(ods + ".bin"), "--new-key-out", f(ods + ".key"), "--ods", ods, "--period", week,
                  *sum((["--count", c] for c in counts), []))
            r = sh(os.path.join(BIN_DIR, "gpwatch-collector"), "--config", config, "register", "--ods", ods,
                   "--public-key", f(ods + ".key.pub"))
            check(r.returncode == 0, f"register {ods}: {r.stderr}")
        forge(BIN_DIR, f("c-earlier.bin"), "--key", f("C83003.key"), "--ods", "C83003", "--period", earlier,
              "--count", "processor_drift:clinical:acute-trust=2")
        # In zero_week A reports and counted nothing: 0 everywhere, a figure, unlike `silent`.
        forge(BIN_DIR, f("a-zero.bin"), "--key", f("A81001.key"), "--ods", "A81001", "--period", zero_week,
              "--count", "unauthorised_write:clinical:acute-trust=0")

        collector = Collector(BIN_DIR, config, workdir, capture_dir=capture)
        uploads = [f(ods + ".bin") for ods in practices] + [f("c-earlier.bin"), f("a-zero.bin")]
        for body in uploads:
            code, text = upload(collector.upload_port, certs, body)
            check(code == 201, f"upload {body}: {code} {text}")
        log(f"{len(uploads)} reports stored")

        captured = sorted(os.listdir(capture))
        check(len(captured) == len(uploads), f"capture dir holds {captured}")
        with open(os.path.join(capture, captured[0]), "rb") as fh:
            first = fh.read()
        with open(uploads[0], "rb") as fh:
            check(first.startswith(b"POST /v1/reports HTTP/1.1\r\n") and first.endswith(fh.read()),
                  "a captured upload is not the request line, headers and body")
        log(f"--capture-dir: {len(captured)} files, each the whole request")

        profile = f("chromium-profile")
        spki = spki_sha256_base64(certs["server_cert"])
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                f"--ignore-certificate-errors-spki-list={spki}", "--virtual-time-budget=5000", "--dump-dom",
                f"https://127.0.0.1:{collector.web_port}/"]
        try:
            r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise TestFailure("chromium did not finish within 120 s")
        dom = r.stdout
        with open(f("page.html"), "w") as fh:
            fh.write(dom)
        check(r.returncode == 0 and "<table" in dom, f"chromium failed ({r.returncode}): {r.stderr[-2000:]}")
        check('data-loaded="yes"' in dom, f"the page's script did not load /api/counts (see {f('page.html')})")

        reader = TableReader()
        reader.feed(dom)
        rows = reader.rows
        log(f"rendered table rows: {rows}")
        check(rows.get("unauthorised_write", {}).get(week) == "30", f"unauthorised_write {week}: {rows}")
        check(rows.get("unknown_writer", {}).get(week) == "redacted", f"unknown_writer {week}: {rows}")
        check(rows.get("processor_drift", {}).get(earlier) == "redacted", f"processor_drift {earlier}: {rows}")
        check(rows.get("processor_drift", {}).get(week) == "0", f"processor_drift {week}: {rows}")
        check(rows.get("all", {}).get(week) == "30 + 2 redacted", f"all reasons {week}: {rows}")
        # In `earlier` only C reported, and nothing for unauthorised_write: 0, a figure.
        check(rows.get("unauthorised_write", {}).get(earlier) == "0", f"unauthorised_write {earlier}: {rows}")
        check(reader.svg_seen and reader.svg_rects >= 1, "the SVG chart is missing or has no bars")
        # Rows made only of redacted or zero figures show no other number anywhere.
        for reason in ("unknown_writer", "processor_drift"):
            check(set(rows[reason].values()) <= {"0", "redacted", "\u2014"}, f"{reason} shows a number: {rows[reason]}")
        log("page: 30 for unauthorised_write, 'redacted' markers, SVG chart drawn")

        # A week nobody reported is no data: a dash titled "no reports" in every row, no bar.
        for reason in ("unauthorised_write", "unknown_writer", "processor_drift", "all"):
            check(rows.get(reason, {}).get(silent) == "\u2014", f"{reason} {silent} (no reports): {rows.get(reason)}")
            check(reader.titles.get(reason, {}).get(silent) == "no reports",
                  f"{reason} {silent}: title {reader.titles.get(reason)}")
        check(silent not in reader.bar_weeks and week in reader.bar_weeks,
              f"bars drawn for weeks {sorted(reader.bar_weeks)}")
        for reason in ("unauthorised_write", "unknown_writer", "processor_drift", "all"):
            check(rows.get(reason, {}).get(zero_week) == "0", f"{reason} {zero_week} (reported 0): {rows.get(reason)}")
        check(reader.zero_weeks == {zero_week}, f"the chart marks 0 for weeks {reader.zero_weeks}, not {zero_week}")
        silent_cells = sum(1 for r in rows.values() for v in r.values() if v == "\u2014")
        check(silent_cells >= 4 * 9, f"only {silent_cells} cells show no reports (9 or so weeks had none)")
        log(f"page: {silent} (no reports) shows '\u2014' titled 'no reports' and draws nothing; "
            f"{zero_week} (reported 0) shows 0 in the table and the chart")

        # The y-axis reads 0, 10, 20, 30 for a tallest bar of 30: steps of 1, 2 or 5 x 10^n.
        check(reader.y_ticks == ["0", "10", "20", "30"], f"y-axis ticks {reader.y_ticks}")
        log(f"chart: y-axis ticks {reader.y_ticks}")

        collector.stop()
        collector = None
    finally:
        if collector:
            try:
                collector.stop()
            except TestFailure:
                pass


if __name__ == "__main__":
    run(main)
