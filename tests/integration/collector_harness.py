"""Helpers for the gpwatch-collector integration tests: test certificates made with the openssl
command, a settings file, the collector process, forged reports and uploads with stock curl.

Run with Debian's /usr/bin/python3 (standard library only)."""

import base64
import os
import re
import signal
import subprocess

from harness import TestFailure, check, log


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, timeout=60, **kw)


def openssl(*args):
    r = sh("openssl", *args)
    check(r.returncode == 0, f"openssl {' '.join(args)} failed: {r.stderr.decode()}")
    return r.stdout


def make_certs(d):
    """A CA, a server certificate for 127.0.0.1 and a practice client certificate, in `d`."""
    os.makedirs(d, exist_ok=True)
    p = lambda name: os.path.join(d, name)  # noqa: E731
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=gpwatch test LMC CA", "-keyout", p("ca.key"), "-out", p("ca.pem"))
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"),
                      ("client", "extendedKeyUsage=clientAuth\n")):
        with open(p(name + ".ext"), "w") as f:
            f.write(ext)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", f"/CN=gpwatch test {name}", "-keyout", p(name + ".key"), "-out", p(name + ".csr"))
        openssl("x509", "-req", "-in", p(name + ".csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
                "-CAcreateserial", "-days", "2", "-extfile", p(name + ".ext"), "-out", p(name + ".pem"))
    return {"ca": p("ca.pem"), "server_cert": p("server.pem"), "server_key": p("server.key"),
            "client_cert": p("client.pem"), "client_key": p("client.key")}


def spki_sha256_base64(cert_file):
    """What chromium's --ignore-certificate-errors-spki-list wants for this certificate."""
    pub = openssl("x509", "-pubkey", "-noout", "-in", cert_file)
    der = sh("openssl", "pkey", "-pubin", "-outform", "der", input=pub).stdout
    digest = sh("openssl", "dgst", "-sha256", "-binary", input=der).stdout
    return base64.b64encode(digest).decode()


def write_config(path, certs, storage_yaml):
    with open(path, "w") as f:
        f.write(f"""upload:
  listen: 127.0.0.1:0
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


class Collector:
    """gpwatch-collector serve; learns its two ports from the 'listening' lines."""

    def __init__(self, bin_dir, config, workdir, capture_dir=None):
        self.bin = os.path.join(bin_dir, "gpwatch-collector")
        self.config = config
        self.stderr = open(os.path.join(workdir, "collector.log"), "w")
        args = [self.bin, "--config", config, "serve"]
        if capture_dir:
            args += ["--capture-dir", capture_dir]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
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


def upload(port, certs, body_file, client_cert=True, content_type="application/x-protobuf"):
    """POSTs with stock curl; returns (http status, body text) or (None, curl's error) when TLS fails."""
    args = ["curl", "-sS", "--max-time", "20", "--cacert", certs["ca"], "-X", "POST",
            "-H", f"Content-Type: {content_type}", "--data-binary", "@" + body_file,
            "-w", "\n%{http_code}", f"https://127.0.0.1:{port}/v1/reports"]
    if client_cert:
        args[1:1] = ["--cert", certs["client_cert"], "--key", certs["client_key"]]
    r = sh(*args)
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
