"""LMC reporting end to end: three practices report anonymised incident counts to one LMC collector.

Three gpwatchd instances, each with its own clinical and MESH simulators (different seeds), write
their LMC reports for a week that has closed (the simulators replay traffic from eight days ago,
as a feed does after an outage) and upload them over mutual TLS to one gpwatch-collector. The
MESH simulator trickles messages in slowly, so a week already reported changes again and goes out
as a new revision. Then:
  - every revision each practice delivered is stored by the collector byte for byte;
  - a replayed report, a tampered one, one signed by an unregistered key and a client without a
    certificate are each refused, with the collector's status word;
  - the collector's page, rendered by headless Chromium, shows per reason the disclosure-controlled
    sum of the three practices' latest reports, computed here independently;
  - privacy: every byte that left a practice or that the collector shows (uploads as captured,
    the collector's database, page, JSON, CSV and log, and each practice's `report show`) is
    searched for what the simulated feeds held about patients: NHS numbers, names, entry and
    message ids, user ids, free text. None may appear.

usage: lmc_reporting_test.py BIN_DIR
"""

import hashlib
import html.parser
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import MeshSimulator, Simulator, check, log, practice_daemon, run, wait_for  # noqa: E402
from collector_harness import (Collector, collector_cli, make_certs, spki_sha256_base64, sqlite_storage,  # noqa: E402
                               stored_reports, upload, write_config)

BIN = os.path.abspath(sys.argv[1])

# (ODS code, seed): three practices whose traffic differs.
PRACTICES = [("A81001", 101), ("B82002", 202), ("C84001", 303)]
BACKDATE = "8d"  # every write lies in a week that has already ended


def sh(*args, check_rc=True, **kw):
    out = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check_rc:
        check(out.returncode == 0, f"{' '.join(args)} failed ({out.returncode}): {out.stderr.strip()}")
    return out


def post(port, certs, body, client):
    """POSTs `body` as a stock client (curl) would, presenting `client` = (cert, key) or no
    certificate (None); returns (HTTP status, parsed JSON or None), or (None, curl's error) when
    the TLS handshake fails."""
    status, text = upload(port, certs, body, client_cert=client is not None, client=client)
    if status is None:
        return None, text
    try:
        return status, json.loads(text)
    except ValueError:
        return status, None


# ---------------------------------------------------------------- the disclosure rule, restated

def control(n):
    """0 -> 0; 1..7 -> None (redacted); else the nearest multiple of 5. Restated here on purpose:
    the test checks the collector against the rule, not against the collector's own code."""
    if n == 0:
        return 0
    if n <= 7:
        return None
    return (n + 2) // 5 * 5


class TableReader(html.parser.HTMLParser):
    """Every <table> row of a page as lists of cell texts; and whether an <svg> was drawn."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.svg_shapes = [], None, None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag in ("rect", "path", "polyline", "circle", "line"):
            self.svg_shapes += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def render_page(url, spki, workdir):
    """The page's DOM after its scripts ran, as headless Chromium built it."""
    profile = os.path.join(workdir, "chromium-profile")
    out = subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--ignore-certificate-errors-spki-list={spki}",
         "--virtual-time-budget=10000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    check(out.returncode == 0, f"chromium failed: {out.stderr[-2000:]}")
    return out.stdout


# ---------------------------------------------------------------- what the feeds held about patients

def sensitive_strings(practice_dirs):
    """Everything the simulated feeds said about patients and the people writing: from the
    clinical simulators' journals, the MESH payloads the simulators kept, and the ledgers."""
    found = {"nhs_number": set(), "entry_id": set(), "user_id": set(), "name": set(), "free_text": set(),
             "message_id": set()}
    for d in practice_dirs:
        with open(os.path.join(d, "sim-journal.jsonl")) as f:
            for line in f:
                e = json.loads(line)
                entry = e.get("entry") or {}
                if entry.get("id"):
                    found["entry_id"].add(entry["id"])
                nhs = (entry.get("patient") or {}).get("nhs_number")
                if nhs:
                    found["nhs_number"].add(nhs)
                user = (entry.get("author") or {}).get("user_id")
                if user:
                    found["user_id"].add(user)
                for content in (entry.get("resource") or {}).get("content", []):
                    title = (content.get("attachment") or {}).get("title")
                    if title:
                        found["free_text"].add(title)
        bodies = os.path.join(d, "mesh-bodies")
        for name in os.listdir(bodies):
            found["message_id"].add(name)
            with open(os.path.join(bodies, name), "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
            # XML and JSON alike: names, free text and identifiers of the FHIR resources.
            for m in re.finditer(r'<(family|given|prefix)\s+value="([^"]+)"', text):
                found["name"].add(m.group(2))
            for m in re.finditer(r'"(family)"\s*:\s*"([^"]+)"', text):
                found["name"].add(m.group(2))
            for m in re.finditer(r'"given"\s*:\s*\[([^\]]*)\]', text):
                found["name"].update(re.findall(r'"([^"]+)"', m.group(1)))
            for m in re.finditer(r'<(text|note)\s+value="([^"]+)"', text):
                found["free_text"].add(m.group(2))
            for m in re.finditer(r'"text"\s*:\s*"([^"]+)"', text):
                found["free_text"].add(m.group(1))
            for m in re.finditer(r'9\d{9}', text):
                found["nhs_number"].add(m.group(0))
        con = sqlite3.connect(f"file:{os.path.join(d, 'state', 'ledger.sqlite')}?mode=ro", uri=True)
        try:
            for nhs, upstream, user in con.execute("SELECT nhs_number, upstream_id, author_user_id FROM writes"):
                if nhs:
                    found["nhs_number"].add(nhs)
                if upstream:
                    found["entry_id"].add(upstream)
                if user:
                    found["user_id"].add(user)
        finally:
            con.close()
    # Too short to mean anything, or words gpwatch's own vocabulary uses ("Pharmacist" is a role,
    # not a person, but it must not show up either way: it is kept).
    for k in found:
        found[k] = {s for s in found[k] if len(s.strip()) >= 4}
    return found


def token_search(values):
    """One compiled regex finding any of `values` as a whole token, case-sensitive: 'Medi' (a name)
    must not match 'Media' in a page's script. The alternation is laid out as a trie (values that
    share a prefix share one branch), so the engine follows one branch per byte instead of trying
    thousands of alternatives at every position: a search over everything takes about a second,
    not the ~17 s of one regex per value and artefact. A value that is a prefix of another is an
    optional end inside the longer one's branch; the trailing boundary check makes the engine back
    off to it when the longer one does not fit."""
    if not values:
        return re.compile(rb"(?!)")  # nothing to look for: never matches (an empty trie would match everywhere)
    trie = {}
    for v in values:
        node = trie
        for byte in v.encode():
            node = node.setdefault(byte, {})
        node[None] = {}  # a value ends here

    def branch(node):
        alternatives = [re.escape(bytes([byte])) + branch(node[byte]) for byte in sorted(k for k in node if k is not None)]
        if not alternatives:
            return b""
        body = alternatives[0] if len(alternatives) == 1 else b"(?:" + b"|".join(alternatives) + b")"
        return b"(?:" + body + b")?" if None in node else body

    return re.compile(rb"(?<![A-Za-z0-9])" + branch(trie) + rb"(?![A-Za-z0-9])")


# ---------------------------------------------------------------- the test

def main(workdir):
    # One client certificate per practice (CN = its ODS code), and a 'stranger' from another CA
    # that claims the first practice's ODS code.
    certs = make_certs(os.path.join(workdir, "certs"), clients=[ods for ods, _ in PRACTICES],
                       stranger_cn=PRACTICES[0][0])
    collector_dir = os.path.join(workdir, "collector")
    os.makedirs(collector_dir)
    db = os.path.join(collector_dir, "reports.sqlite")
    config = os.path.join(collector_dir, "collector.yaml")
    write_config(config, certs, sqlite_storage(db))
    sims, meshes, daemons, dirs = [], [], [], []
    outgoing = {}  # name -> bytes: everything that left a practice or is shown by the collector
    collector = None
    try:
        collector = Collector(BIN, config, collector_dir, capture_dir=os.path.join(collector_dir, "capture"))
        upload_url = f"https://127.0.0.1:{collector.upload_port}/v1/reports"
        web_url = f"https://127.0.0.1:{collector.web_port}"

        for ods, seed in PRACTICES:
            d = os.path.join(workdir, ods)
            os.makedirs(d)
            dirs.append(d)
            sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", os.path.join(d, "lmc-signing-key.pem"))
            # Clinical traffic quickly, MESH traffic slowly: the week is reported while Update
            # Records are still arriving for it, so later revisions must follow.
            sim = Simulator(BIN, d, "--practice", ods, "--seed", str(seed), "--rate", "40", "--count", "240",
                            "--review-delay", "1:4", "--backdate", BACKDATE)
            mesh = MeshSimulator(BIN, d, "--seed", str(seed), "--rate", "2", "--count", "24",
                                 "--backdate", BACKDATE, "--keep-bodies", os.path.join(d, "mesh-bodies"))
            sims.append(sim)
            meshes.append(mesh)
            daemon = practice_daemon(BIN, d, sim, practice_ods=ods, extra=mesh.settings() + f"""
reporting:
  signing_key_file: {d}/lmc-signing-key.pem
  settle_after: 1s
  check_every: 2s
  upload:
    url: {upload_url}
    ca_file: {certs['ca']}
    client_cert_file: {certs['clients'][ods][0]}
    client_key_file: {certs['clients'][ods][1]}
    timeout: 5s
""")
            # The LMC registers the practice's public key, as the practice's admin hands it over.
            public = daemon.ctl("report", "public-key")
            pem = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----\n", public, re.S)
            check(pem, f"report public-key printed no PEM: {public!r}")
            with open(os.path.join(d, "lmc-public.pem"), "w") as f:
                f.write(pem.group(0))
            collector_cli(BIN, config, "register", "--ods", ods, "--public-key", os.path.join(d, "lmc-public.pem"))
            daemon.start()
            daemons.append(daemon)
        practices = json.loads(collector_cli(BIN, config, "practices", "--json"))
        check(sorted(p["ods"] for p in practices) == sorted(o for o, _ in PRACTICES),
              f"collector practices: {practices}")

        for sim, mesh in zip(sims, meshes):
            sim.wait_all_generated(60)
            mesh.wait_all_delivered(90)
        log("all simulated traffic generated")

        # Settled: every practice's newest revision delivered, and no new revision for 6 s.
        def report_rows(daemon):
            return daemon.ctl_json("report", "list")

        def settled():
            snapshot = [[(r["period"], r["revision"], r["state"]) for r in report_rows(dm)] for dm in daemons]
            if any(not rows or any(state != "delivered" for _, _, state in rows) for rows in snapshot):
                settled.last = None
                return False
            if snapshot != getattr(settled, "last", None):
                settled.last, settled.since = snapshot, time.time()
                return False
            return time.time() - settled.since >= 6  # three checks (check_every 2s) with nothing new
        wait_for(settled, 150, "every practice's reports delivered and no new revision for 6 s")

        # ---- what was delivered is what the collector stored, byte for byte
        stored = stored_reports(db)
        periods = set()
        revised = 0
        for (ods, _), daemon in zip(PRACTICES, daemons):
            ledger = sqlite3.connect(f"file:{daemon.state_dir}/ledger.sqlite?mode=ro", uri=True)
            try:
                rows = ledger.execute("SELECT period, revision, body FROM lmc_reports").fetchall()
            finally:
                ledger.close()
            for period, revision, body in rows:
                periods.add(period)
                check(stored.get((ods, period, revision)) == bytes(body),
                      f"{ods} {period} revision {revision}: the collector does not hold the bytes sent")
                outgoing[f"{ods}-upload-{period}-r{revision}"] = bytes(body)
            revised = max(revised, max(r for _, r, _ in rows))
        check(revised >= 2, "no week was ever revised, though Update Records kept arriving for it")
        log(f"{len(stored)} reports stored for periods {sorted(periods)}; highest revision {revised}")

        # ---- the newest revision of each practice is exactly what `report show` says it would send
        week = max(periods)
        expected_totals = {}
        for (ods, _), daemon in zip(PRACTICES, daemons):
            shown = json.loads(daemon.ctl("report", "show", "--period", week, "--json"))
            newest = max(r for (p, per, r) in stored if p == ods and per == week)
            check(shown["revision"] == newest,
                  f"{ods}: report show says revision {shown['revision']}, the collector's newest is {newest}")
            for t in shown["totals"]:
                expected_totals.setdefault(t["reason"], []).append(None if t.get("redacted") else t["value"])
            for fmt in ("--json", "--csv", None):
                text = daemon.ctl("report", "show", "--period", week, *([fmt] if fmt else []))
                outgoing[f"{ods}-show{fmt or ''}"] = text.encode()
            outgoing[f"{ods}-list"] = daemon.ctl("report", "list").encode()

        # ---- refusals: replay, tampering, an unregistered key, no client certificate
        ods0 = PRACTICES[0][0]
        client0 = certs["clients"][ods0]
        port = collector.upload_port
        newest_key = max((k for k in stored if k[0] == ods0), key=lambda k: (k[1], k[2]))
        body = stored[newest_key]
        status, answer = post(port, certs, body, client0)
        check(status == 409 and answer and answer.get("status") == "replayed",
              f"a replayed report was answered {status} {answer}")
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        check(answer.get("digest") == digest, f"replay answer names digest {answer.get('digest')}, sent {digest}")

        tampered = bytearray(body)
        at = body.find(b"sha256:")  # the settings hash inside the signed report: change one hex digit
        check(at > 0, "no settings hash in the report bytes")
        at += len("sha256:")
        tampered[at] = ord("0") if tampered[at] != ord("0") else ord("1")
        status, answer = post(port, certs, bytes(tampered), client0)
        check(status == 401 and answer and answer.get("status") == "bad_signature",
              f"a tampered report was answered {status} {answer}")

        forged_key = os.path.join(workdir, "forged-key.pem")
        forged_path = os.path.join(workdir, "forged.bin")
        forged = subprocess.run(
            [os.path.join(BIN, "report_forge"), "--new-key-out", forged_key, "--out", forged_path, "--ods", ods0,
             "--period", week, "--revision", "99", "--count", "unauthorised_write:clinical:trust=10"],
            capture_output=True)
        check(forged.returncode == 0, f"report_forge failed: {forged.stderr.decode()}")
        with open(forged_path, "rb") as f:
            status, answer = post(port, certs, f.read(), client0)
        check(status == 403 and answer and answer.get("status") == "unregistered_key",
              f"a report signed by an unregistered key was answered {status} {answer}")

        status, answer = post(port, certs, body, None)
        check(status is None, f"an upload without a client certificate got HTTP {status} {answer}")
        status, answer = post(port, certs, body, (certs["stranger_cert"], certs["stranger_key"]))
        check(status is None, f"an upload with a certificate from another CA got HTTP {status} {answer}")
        check(stored_reports(db) == stored, "a refused upload changed what the collector stores")
        log("replayed, tampered, unregistered-key and certificate-less uploads refused")

        # ---- the page in a real browser: per reason, the controlled sum over the practices
        spki = spki_sha256_base64(certs["server_cert"])
        dom = render_page(web_url + "/", spki, workdir)
        outgoing["page-dom"] = dom.encode()
        reader = TableReader()
        reader.feed(dom)
        check(reader.svg_shapes > 0, "the page drew no chart")
        header = next((r for r in reader.rows if week in r), None)
        check(header, f"no table column for {week}: {reader.rows[:3]}")
        col = header.index(week)
        table = {r[0]: r[col] for r in reader.rows if len(r) > col and r is not header}
        compared = 0
        for reason, parts in expected_totals.items():
            shown_sum = sum(v for v in parts if v is not None)
            redacted_parts = sum(1 for v in parts if v is None)
            if shown_sum == 0 and redacted_parts == 0:
                continue
            check(reason in table, f"reason {reason} missing from the page's table: {sorted(table)}")
            cell = table[reason]
            want = control(shown_sum)
            if want == 0:
                # Only redacted parts: the sum is somewhere from 1 to 7 per part; no number shown.
                check(re.search(r"\d", cell) is None and "redacted" in cell.lower(),
                      f"{reason}: page shows {cell!r}, expected redacted ({parts})")
            else:
                check(re.match(rf"^{want}\b", cell) is not None,
                      f"{reason}: page shows {cell!r}, expected {want} first (sum of {parts})")
                check(("redacted" in cell.lower()) == (redacted_parts > 0),
                      f"{reason}: page shows {cell!r}; {redacted_parts} practices' totals were redacted")
            compared += 1
        check(compared >= 3, f"only {compared} reasons had counts to compare: {expected_totals}")
        log(f"page in Chromium: {compared} reasons for {week} match the controlled sums")

        api = subprocess.run(["curl", "-sS", "--cacert", certs["ca"], f"{web_url}/api/counts"],
                             capture_output=True, check=True).stdout
        csv = subprocess.run(["curl", "-sS", "--cacert", certs["ca"], f"{web_url}/export.csv"],
                             capture_output=True, check=True).stdout
        outgoing["api-counts"], outgoing["export-csv-web"] = api, csv
        outgoing["export-csv-cli"] = collector_cli(BIN, config, "export-csv").encode()
        for dm in daemons:
            rc, _ = dm.terminate()
            check(rc == 0, f"gpwatchd ({dm.config}) exited {rc} on SIGTERM")
        collector.stop()  # SIGTERM; checks exit 0
    finally:
        for dm in daemons:
            if dm.alive():
                dm.proc.kill()
        for s in sims + meshes:
            s.stop()
        if collector and collector.proc.poll() is None:
            collector.proc.kill()

    # ---- privacy: nothing about patients in anything that left a practice
    for name, data in collector.captured().items():
        outgoing[f"capture/{name}"] = data
    check(any(k.startswith("capture/") for k in outgoing), "the collector captured no upload")
    for path in (db, collector.log_path):
        with open(path, "rb") as f:
            outgoing[os.path.basename(path)] = f.read()
    secrets = sensitive_strings(dirs)
    for kind, minimum in (("nhs_number", 50), ("entry_id", 50), ("name", 10), ("free_text", 5), ("message_id", 20)):
        check(len(secrets[kind]) >= minimum,
              f"only {len(secrets[kind])} {kind} values gathered: the search would prove little")
    # The search must be able to fail: it finds the NHS numbers where they do belong.
    with open(os.path.join(dirs[0], "state", "ledger.sqlite"), "rb") as f:
        ledger_bytes = f.read()
    started = time.monotonic()
    searches = {kind: token_search(values) for kind, values in secrets.items()}
    check(searches["nhs_number"].search(ledger_bytes),
          "the search does not even find NHS numbers in a practice's own ledger")
    leaks = []
    for where, data in outgoing.items():
        for kind, search in searches.items():
            for v in sorted({m.group(0) for m in search.finditer(data)}):
                leaks.append(f"{kind} {v.decode(errors='replace')!r} in {where}")
    check(not leaks, "patient data left the practice:\n  " + "\n  ".join(leaks[:20]))
    log(f"privacy: {sum(len(v) for v in secrets.values())} sensitive values searched for in "
        f"{len(outgoing)} outgoing artefacts ({sum(len(v) for v in outgoing.values())} bytes) in "
        f"{time.monotonic() - started:.1f} s: none found")


if __name__ == "__main__":
    run(main)
