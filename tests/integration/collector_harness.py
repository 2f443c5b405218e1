"""Helpers for the gpwatch-collector integration tests: test certificates (with
tests/support/peer_support.py), a settings file, the collector process, forged reports and uploads
with stock curl.

Run with Debian's /usr/bin/python3 (standard library only)."""

import base64
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import peer_support  # noqa: E402
from harness import TestFailure, check, log  # noqa: E402


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, timeout=60, **kw)


def openssl(*args):
    r = sh("openssl", *args)
    check(r.returncode == 0, f"openssl {' '.join(args)} failed: {r.stderr.decode()}")
    return r.stdout


def make_certs(d, clients=None, stranger_cn=None):
    """A CA, a server certificate for 127.0.0.1 and client certificates, in `d`.

    clients: None makes one client certificate (client.pem/client.key); a list of names makes one
    each (client-NAME.pem/.key, CN = NAME, e.g. a practice's ODS code), the first of them also
    being the default "client_cert"/"client_key". stranger_cn: also a client certificate with that
    CN from ANOTHER CA (stranger.pem/.key), which the collector must refuse during the handshake.
    Returns the file names: ca, server_cert, server_key, client_cert, client_key, clients
    {name: (cert, key)} and, with stranger_cn, other_ca, stranger_cert, stranger_key."""
    os.makedirs(d, exist_ok=True)
    p = lambda name: os.path.join(d, name)  # noqa: E731

    def ca(name, cn):
        peer_support.make_ca(p(name + ".key"), p(name + ".pem"), f"/CN={cn}")

    def leaf(name, cn, ca_name, ext):
        return peer_support.make_leaf(p(name + ".key"), p(name + ".pem"), f"/CN={cn}", p(ca_name + ".pem"),
                                      p(ca_name + ".key"), ext)

    ca("ca", "gpwatch test LMC CA")
    server = leaf("server", "gpwatch test server", "ca", peer_support.SERVER_EXT)
    client_ext = peer_support.CLIENT_EXT
    if clients is None:
        made = {"client": leaf("client", "gpwatch test client", "ca", client_ext)}
    else:
        made = {name: leaf("client-" + name, name, "ca", client_ext) for name in clients}
    first = next(iter(made.values()))
    out = {"ca": p("ca.pem"), "server_cert": server[0], "server_key": server[1],
           "client_cert": first[0], "client_key": first[1], "clients": made}
    if stranger_cn:
        ca("other-ca", "gpwatch test other CA")
        out["other_ca"] = p("other-ca.pem")
        out["stranger_cert"], out["stranger_key"] = leaf("stranger", stranger_cn, "other-ca", client_ext)
    return out


def spki_sha256_base64(cert_file):
    """What chromium's --ignore-certificate-errors-spki-list wants for this certificate."""
    pub = openssl("x509", "-pubkey", "-noout", "-in", cert_file)
    der = sh("openssl", "pkey", "-pubin", "-outform", "der", input=pub).stdout
    digest = sh("openssl", "dgst", "-sha256", "-binary", input=der).stdout
    return base64.b64encode(digest).decode()


def free_port():
    """A loopback TCP port that is free now, for a collector that must come up on a port chosen
    before it starts (practices configured while it is down). Released at once, so another process
    could take it meanwhile; the collector then fails to start and says so."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sqlite_storage(sqlite_path):
    """The storage: section for write_config with the SQLite backend."""
    return f"storage:\n  backend: sqlite\n  sqlite_path: {sqlite_path}"


def write_config(path, certs, storage_yaml, upload_listen="127.0.0.1:0"):
    with open(path, "w") as f:
        f.write(f"""upload:
  listen: {upload_listen}
  cert_file: {certs['server_cert']}
  key_file: {certs['server_key']}
  client_ca_file: {certs['ca']}
web:
  listen: 127.0.0.1:0
  cert_file: {certs['server_cert']}
  key_file: {certs['server_key']}
{storage_yaml}
limits:
  max_report_bytes: 65536
  max_clock_skew: 5m
time_zone: Europe/London
""")


def collector_cli(bin_dir, config, *args):
    """A gpwatch-collector command (register, practices, export-csv...) that must succeed; its stdout.
    Needs no running collector: the commands open the storage themselves."""
    r = sh(os.path.join(bin_dir, "gpwatch-collector"), "--config", config, *args)
    check(r.returncode == 0, f"gpwatch-collector {' '.join(args)} failed ({r.returncode}): {r.stderr.decode()}")
    return r.stdout.decode()


def stored_reports(sqlite_path):
    """{(practice, period, revision): body bytes} as a SQLite-backed collector stored them."""
    con = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT practice, period, revision, body FROM reports").fetchall()
    finally:
        con.close()
    return {(p, per, rev): bytes(body) for p, per, rev, body in rows}


class Collector:
    """gpwatch-collector serve; learns its two ports from the 'listening' lines. Its log (stderr)
    is workdir/collector.log (log_path); with capture_dir, every upload request is kept there.
    nofile: a (soft, hard) RLIMIT_NOFILE to start it under, as an admin's limit would be."""

    def __init__(self, bin_dir, config, workdir, capture_dir=None, nofile=None):
        self.bin = os.path.join(bin_dir, "gpwatch-collector")
        self.config = config
        self.capture_dir = capture_dir
        self.log_path = os.path.join(workdir, "collector.log")
        self.stderr = open(self.log_path, "w")
        args = [self.bin, "--config", config, "serve"]
        if capture_dir:
            args += ["--capture-dir", capture_dir]
        limit = None
        if nofile:
            import resource

            def limit():
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr, text=True, preexec_fn=limit)
        ports = {}
        for _ in range(2):
            line = self.proc.stdout.readline()
            m = re.match(r"listening (upload|web)=127\.0\.0\.1:(\d+)", line)
            check(m, f"collector did not say where it listens: {line!r} (see {workdir}/collector.log)")
            ports[m.group(1)] = int(m.group(2))
        self.upload_port, self.web_port = ports["upload"], ports["web"]
        log(f"collector: upload port {self.upload_port}, web port {self.web_port}")

    def command(self, *args):
        return sh(self.bin, "--config", self.config, *args)

    def captured(self):
        """{file name: bytes} of every upload request captured so far (request line, headers, body)."""
        check(self.capture_dir, "this collector was started without --capture-dir")
        out = {}
        for name in sorted(os.listdir(self.capture_dir)):
            if not name.startswith("."):  # a capture still being written is a hidden temporary file
                with open(os.path.join(self.capture_dir, name), "rb") as f:
                    out[name] = f.read()
        return out

    def stop(self):
        """SIGTERM must end it, gracefully, with exit 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.stderr.close()
                raise TestFailure("collector did not stop within 10 s of SIGTERM")
            check(code == 0, f"collector exited {code} on SIGTERM")
        self.stderr.close()


def forge(bin_dir, out, *args):
    r = sh(os.path.join(bin_dir, "report_forge"), "--out", out, *args)
    check(r.returncode == 0, f"report_forge {args} failed: {r.stderr.decode()}")
    return out


def upload(port, certs, body_file, client_cert=True, content_type="application/x-protobuf", client=None):
    """POSTs with stock curl; returns (http status, body text) or (None, curl's error) when TLS fails.
    body_file: a file name, or the body itself as bytes. client: a (cert, key) pair to present
    instead of certs' default client certificate (e.g. another practice's, or the stranger's)."""
    from_stdin = isinstance(body_file, bytes)
    args = ["curl", "-sS", "--max-time", "20", "--cacert", certs["ca"], "-X", "POST",
            "-H", f"Content-Type: {content_type}", "--data-binary", "@-" if from_stdin else "@" + body_file,
            "-w", "\n%{http_code}", f"https://127.0.0.1:{port}/v1/reports"]
    if client_cert:
        cert, key = client or (certs["client_cert"], certs["client_key"])
        args[1:1] = ["--cert", cert, "--key", key]
    r = sh(*args, input=body_file if from_stdin else None)
    if r.returncode != 0:
        return None, r.stderr.decode()
    text, _, code = r.stdout.decode().rpartition("\n")
    return int(code), text


def https_get(port, certs, path):
    r = sh("curl", "-sS", "--max-time", "20", "--cacert", certs["ca"], "-w", "\n%{http_code}",
           f"https://127.0.0.1:{port}{path}")
    check(r.returncode == 0, f"GET {path} failed: {r.stderr.decode()}")
    text, _, code = r.stdout.decode().rpartition("\n")
    return int(code), text
