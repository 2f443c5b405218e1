#!/usr/bin/python3
"""A stand-in for gpwatch-collector's POST /v1/reports, used only by tests/unit/lmc_upload
(lmc_uploader_test): real TLS that requires a client certificate signed by the test CA, and the
collector's JSON answers, chosen by the request path so one server covers every case. It stays a
stand-in because those cases are answers the real collector cannot be made to give on demand: 503
while busy, a slow answer for the timeout and cancel tests, a 409 replayed naming another digest.
It checks nothing inside the report. gpwatchd against the real gpwatch-collector is
tests/integration/lmc_upload_test.py and lmc_reporting_test.py.

Run with /usr/bin/python3 lmc_collector_stub.py DIR [PORT]. Makes (unless DIR/ca.pem exists, so a
restarted stub keeps them), with the openssl command, in DIR:
ca.pem (the CA), server.pem/server.key (127.0.0.1), client.pem/client.key (the practice),
stranger.pem/stranger.key (a client certificate from another CA). Prints
"collector_stub: listening on PORT", then serves until SIGTERM. Every body received is written
to DIR/last_body and appended to DIR/received (4-byte big-endian length, then the bytes).

Paths: /v1/reports 201 stored; /replayed 409 replayed with the body's digest; /replayed-other
409 replayed with another digest; /busy 503; /malformed 400 with a detail holding digits;
/slow waits 5 s then 201; /unknown-practice 403 unknown_practice. A body not sent as application/x-protobuf gets 415."""

import hashlib
import http.server
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{d}/{name}-ca.key", "-out", f"{d}/{name}-ca.pem", "-days", "2",
            "-subj", f"/C=GB/O=gpwatch test/CN={name} CA")


def make_leaf(d, ca, name, ext):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", f"/C=GB/O=gpwatch test/CN={name}")
    with open(f"{d}/{name}.ext", "w") as f:
        f.write(ext)
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/{ca}-ca.pem", "-CAkey", f"{d}/{ca}-ca.key",
            "-CAcreateserial", "-out", f"{d}/{name}.pem", "-days", "2", "-extfile", f"{d}/{name}.ext")


def make_certs(d):
    if os.path.exists(f"{d}/ca.pem"):
        return
    make_ca(d, "lmc")
    make_ca(d, "other")
    make_leaf(d, "lmc", "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    make_leaf(d, "lmc", "client", "extendedKeyUsage=clientAuth\n")
    make_leaf(d, "other", "stranger", "extendedKeyUsage=clientAuth\n")
    os.replace(f"{d}/lmc-ca.pem", f"{d}/ca.pem")


def make_handler(d):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            sys.stderr.write("collector_stub: " + (fmt % a) + "\n")

        def answer(self, code, status, detail, digest=""):
            doc = {"status": status, "detail": detail}
            if digest:
                doc["digest"] = digest
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with open(f"{d}/last_body", "wb") as f:
                f.write(body)
            with open(f"{d}/received", "ab") as f:
                f.write(len(body).to_bytes(4, "big") + body)
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
            if self.headers.get("Content-Type") != "application/x-protobuf":
                return self.answer(415, "wrong_content_type", "send application/x-protobuf")
            if self.path == "/v1/reports":
                return self.answer(201, "stored", "report stored", digest)
            if self.path == "/replayed":
                return self.answer(409, "replayed", "these bytes are already stored", digest)
            if self.path == "/replayed-other":
                return self.answer(409, "replayed", "these bytes are already stored",
                                   "sha256:" + hashlib.sha256(b"other").hexdigest())
            if self.path == "/busy":
                return self.answer(503, "unavailable", "database is busy")
            if self.path == "/malformed":
                return self.answer(400, "malformed", "inner report unparseable near 9434765919")
            if self.path == "/unknown-practice":
                return self.answer(403, "unknown_practice", "practice is not registered with this collector")
            if self.path == "/slow":
                time.sleep(5)
                return self.answer(201, "stored", "report stored", digest)
            return self.answer(404, "not_found", "no such path")

    return Handler


def main():
    d = sys.argv[1]
    make_certs(d)
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    http.server.ThreadingHTTPServer.allow_reuse_address = True  # restarted on the same port
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), make_handler(d))
    server.daemon_threads = True  # /slow must not hold up the shutdown
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(f"{d}/server.pem", f"{d}/server.key")
    tls.load_verify_locations(f"{d}/ca.pem")
    tls.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no client certificate, no exchange
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"collector_stub: listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
