#!/usr/bin/python3
"""gpwatch-collector on a real PostgreSQL 15 server that this test starts (Debian's postgresql):
two practices registered, forged reports uploaded over mutual TLS with stock curl:
  good 201, same bytes again 409 replayed (digest = sha256 of the body), tampered 401,
  unsigned 401, signed by an unregistered key 403, unknown practice 403, oversize 413,
  no client certificate -> TLS handshake refused, five concurrent copies -> stored once;
then /api/counts and export-csv show the re-controlled aggregates; with PostgreSQL stopped an upload
and the page get 503 unavailable, and once it is back the next upload reconnects and is stored;
SIGTERM stops it (exit 0).

usage: collector_postgres_test.py BIN_DIR"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, log, run  # noqa: E402
from collector_harness import Collector, forge, https_get, make_certs, sh, upload, write_config  # noqa: E402

BIN_DIR = sys.argv[1]
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_PORT = "54329"  # only names the socket file; the socket lives in this test's own directory


def iso_week(days_ago):
    y, w, _ = (datetime.date.today() - datetime.timedelta(days=days_ago)).isocalendar()
    return f"{y}-W{w:02d}"


class Postgres:
    """initdb + pg_ctl in a temporary directory, unix socket only; as the postgres user when root."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pg")
        os.makedirs(self.dir)
        self.as_user = []
        if os.geteuid() == 0:
            os.chmod(workdir, 0o755)  # postgres must reach its directory
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = os.path.join(self.dir, "data")
        self.started = False

    def pg(self, *args):
        r = subprocess.run(self.as_user + list(args), capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"{' '.join(args)} failed: {r.stdout}{r.stderr}")
        return r.stdout

    def start(self):
        self.pg(f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start_server()
        self.pg(f"{PG_BIN}/createdb", "-h", self.dir, "-p", PG_PORT, "-U", "postgres", "lmc")
        log(f"PostgreSQL started (socket in {self.dir})")

    def start_server(self):
        self.pg(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "60",
                "-o", f"-k {self.dir} -p {PG_PORT} -c listen_addresses='' -c fsync=off", "start")
        self.started = True

    def conninfo(self):
        return f"host={self.dir} port={PG_PORT} dbname=lmc user=postgres"

    def query(self, sql):
        return self.pg("/usr/bin/psql", "-h", self.dir, "-p", PG_PORT, "-U", "postgres", "-d", "lmc", "-Atc", sql).strip()

    def stop(self):
        if self.started:
            subprocess.run(self.as_user + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"],
                           capture_output=True, timeout=60)
            self.started = False
            log("PostgreSQL stopped")


def expect(result, status, word, what):
    code, text = result
    check(code == status, f"{what}: expected HTTP {status}, got {code}: {text}")
    body = json.loads(text)
    check(body["status"] == word, f"{what}: expected status {word}, got {body}")
    log(f"{what}: {code} {word}")
    return body


def main(workdir):
    certs = make_certs(os.path.join(workdir, "certs"))
    week = iso_week(14)
    pg = Postgres(workdir)
    collector = None
    try:
        pg.start()
        conninfo_file = os.path.join(workdir, "conninfo")
        with open(conninfo_file, "w") as f:
            f.write(pg.conninfo() + "\n")
        config = os.path.join(workdir, "collector.yaml")
        write_config(config, certs, f"storage:\n  backend: postgresql\n  postgresql_conninfo_file: {conninfo_file}")
        bin_collector = os.path.join(BIN_DIR, "gpwatch-collector")
        r = sh(bin_collector, "--config", config, "--check-config")
        check(r.returncode == 0, f"--check-config: {r.stderr.decode()}")

        f = lambda name: os.path.join(workdir, name)  # noqa: E731
        # Two practices' keys, and one nobody registered.
        forge(BIN_DIR, f("a-w.bin"), "--new-key-out", f("a.key"), "--ods", "A81001", "--period", week,
              "--count", "unauthorised_write:clinical:acute-trust=12", "--count", "unknown_writer:clinical:unknown=3")
        forge(BIN_DIR, f("b-w.bin"), "--new-key-out", f("b.key"), "--ods", "B82002", "--period", week,
              "--count", "unauthorised_write:update_record:community-pharmacy=23",
              "--count", "unknown_writer:clinical:unknown=20")
        forge(BIN_DIR, f("rogue.bin"), "--new-key-out", f("rogue.key"), "--ods", "A81001", "--period", week,
              "--revision", "2", "--count", "unauthorised_write:clinical:acute-trust=50")

        def cli(*args):
            return sh(bin_collector, "--config", config, *args)

        for ods, key in (("A81001", "a.key.pub"), ("B82002", "b.key.pub")):
            r = cli("register", "--ods", ods, "--public-key", f(key))
            check(r.returncode == 0 and b"ed25519:" in r.stdout, f"register {ods}: {r.stdout} {r.stderr}")
        r = cli("register", "--ods", "A81001", "--public-key", f("rogue.key.pub"))
        check(r.returncode == 1 and b"--replace" in r.stderr, f"re-register without --replace: {r.returncode} {r.stderr}")
        r = cli("register", "--ods", "not an ods", "--public-key", f("a.key.pub"))
        check(r.returncode == 2, f"bad ODS code: exit {r.returncode}")
        r = cli("practices", "--json")
        practices = json.loads(r.stdout)
        check([p["ods"] for p in practices] == ["A81001", "B82002"], f"practices: {practices}")
        log("registered A81001 and B82002; re-registering another key needs --replace")

        collector = Collector(BIN_DIR, config, workdir)
        up = collector.upload_port
        body = expect(upload(up, certs, f("a-w.bin")), 201, "stored", "A81001 first upload")
        with open(f("a-w.bin"), "rb") as fh:
            digest = "sha256:" + hashlib.sha256(fh.read()).hexdigest()
        check(body["digest"] == digest, f"digest {body['digest']} is not sha256 of the body ({digest})")
        body = expect(upload(up, certs, f("a-w.bin")), 409, "replayed", "the same bytes again")
        check(body["digest"] == digest, "a replay must carry the digest of what was sent")

        forge(BIN_DIR, f("tampered.bin"), "--key", f("a.key"), "--ods", "A81001", "--period", week, "--revision", "3",
              "--count", "unauthorised_write:clinical:acute-trust=500", "--tamper")
        expect(upload(up, certs, f("tampered.bin")), 401, "bad_signature", "tampered report")
        forge(BIN_DIR, f("unsigned.bin"), "--key", f("a.key"), "--ods", "A81001", "--period", week, "--revision", "3",
              "--unsigned")
        expect(upload(up, certs, f("unsigned.bin")), 401, "unsigned", "unsigned report")
        expect(upload(up, certs, f("rogue.bin")), 403, "unregistered_key", "signed by an unregistered key")
        forge(BIN_DIR, f("unknown.bin"), "--key", f("a.key"), "--ods", "C99999", "--period", week)
        expect(upload(up, certs, f("unknown.bin")), 403, "unknown_practice", "unknown practice")
        forge(BIN_DIR, f("future.bin"), "--key", f("a.key"), "--ods", "A81001", "--period", iso_week(-14))
        expect(upload(up, certs, f("future.bin")), 422, "future_dated", "a week that has not ended")
        with open(f("big.bin"), "wb") as fh:
            fh.write(b"\0" * 70000)
        expect(upload(up, certs, f("big.bin")), 413, "too_large", "70000 bytes")
        expect(upload(up, certs, f("a-w.bin"), content_type="application/json"), 415, "wrong_content_type",
               "wrong content type")
        code, err = upload(up, certs, f("a-w.bin"), client_cert=False)
        check(code is None, f"an upload without a client certificate got HTTP {code}")
        log(f"no client certificate: refused ({err.strip()[:80]})")

        # Five copies of one new upload at once: stored once, the rest are replays.
        forge(BIN_DIR, f("b-w.bin"), "--key", f("b.key"), "--ods", "B82002", "--period", week,
              "--count", "unauthorised_write:update_record:community-pharmacy=23",
              "--count", "unknown_writer:clinical:unknown=20")
        with ThreadPoolExecutor(5) as pool:
            results = list(pool.map(lambda _: upload(up, certs, f("b-w.bin")), range(5)))
        codes = sorted(c for c, _ in results)
        check(codes == [201, 409, 409, 409, 409], f"concurrent copies: {results}")
        check(pg.query("SELECT count(*) FROM reports WHERE practice = 'B82002'") == "1", "B82002 stored more than once")
        check(pg.query("SELECT count(*) FROM reports") == "2", "reports table: " + pg.query("SELECT practice, revision FROM reports"))
        log("five concurrent copies: one 201, four 409 replayed, one row")

        # A: 12 -> 10, 3 -> redacted; B: 23 -> 25, 20 -> 20.
        code, text = https_get(collector.web_port, certs, f"/api/counts?from={week}&to={week}")
        check(code == 200, f"/api/counts: {code} {text}")
        cells = {c["reason"]: c for c in json.loads(text)["cells"]}
        uw, unk = cells["unauthorised_write"], cells["unknown_writer"]
        check(uw["value"] == 35 and uw["redacted_parts"] == 0 and uw["practices"] == 2, f"unauthorised_write: {uw}")
        check(unk["value"] == 20 and unk["redacted_parts"] == 1 and unk["text"] == "20 + 1 redacted",
              f"unknown_writer: {unk}")
        log(f"/api/counts {week}: unauthorised_write 35, unknown_writer '20 + 1 redacted'")

        r = cli("export-csv", "--from", week, "--to", week)
        check(r.returncode == 0, f"export-csv: {r.stderr}")
        csv = r.stdout.decode()
        for line in (f"{week},unauthorised_write,35,0,2", f"{week},unknown_writer,20,1,2", f"{week},all reasons,55,1,2"):
            check(line + "\r\n" in csv, f"export-csv lacks {line!r}:\n{csv}")
        r = cli("export-csv", "--from", "yesterday")
        check(r.returncode == 2, f"export-csv with a bad week: exit {r.returncode}")
        log("export-csv matches")

        # The database goes away under a running collector: uploads and the page get 503 (the
        # practice retries), nothing is half-stored, and once it is back the next request reconnects.
        forge(BIN_DIR, f("b-w2.bin"), "--key", f("b.key"), "--ods", "B82002", "--period", week, "--revision", "2",
              "--count", "unauthorised_write:update_record:community-pharmacy=30")
        pg.stop()
        expect(upload(up, certs, f("b-w2.bin")), 503, "unavailable", "an upload while PostgreSQL is down")
        code, text = https_get(collector.web_port, certs, f"/api/counts?from={week}&to={week}")
        check(code == 503 and json.loads(text)["status"] == "unavailable", f"/api/counts with the database down: {code} {text}")
        pg.start_server()
        expect(upload(up, certs, f("b-w2.bin")), 201, "stored", "the same upload once PostgreSQL is back")
        check(pg.query("SELECT count(*) FROM reports WHERE practice = 'B82002'") == "2", "B82002 revision 2 not stored once")
        log("PostgreSQL down: 503 unavailable; back: reconnected and stored")

        collector.stop()
        collector = None
        log("SIGTERM: collector stopped, exit 0")
    finally:
        if collector:
            try:
                collector.stop()
            except TestFailure:
                pass
        pg.stop()


if __name__ == "__main__":
    run(main)
