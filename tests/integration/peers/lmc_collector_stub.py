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
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
import peer_support  # noqa: E402


def make_ca(d, name):
    peer_support.make_ca(f"{d}/{name}-ca.key", f"{d}/{name}-ca.pem", f"/C=GB/O=gpwatch test/CN={name} CA")


def make_leaf(d, ca, name, ext):
    peer_support.make_leaf(f"{d}/{name}.key", f"{d}/{name}.pem", f"/C=GB/O=gpwatch test/CN={name}",
                           f"{d}/{ca}-ca.pem", f"{d}/{ca}-ca.key", ext)


def make_certs(d):
    if os.path.exists(f"{d}/ca.pem"):
        return
    make_ca(d, "lmc")
    make_ca(d, "other")
    make_leaf(d, "lmc", "server", peer_support.SERVER_EXT)
    make_leaf(d, "lmc", "client", peer_support.CLIENT_EXT)
    make_leaf(d, "other", "stranger", peer_support.CLIENT_EXT)
    os.replace(f"{d}/lmc-ca.pem", f"{d}/ca.pem")


def make_handler(d):
    class Handler(peer_support.PeerHandler):
        who = "collector_stub"

        def answer(self, code, status, detail, digest=""):
            doc = {"status": status, "detail": detail}
            if digest:
                doc["digest"] = digest
            self.send_body(code, "application/json", json.dumps(doc).encode())

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
    # Mutual TLS: no client certificate, no exchange. (http.server reuses the address, so a
    # restarted stub gets its port back; a /slow answer does not hold up the shutdown.)
    peer_support.serve_https(make_handler(d), "127.0.0.1", port, f"{d}/server.pem", f"{d}/server.key",
                             lambda p: f"collector_stub: listening on {p}", client_ca=f"{d}/ca.pem")


if __name__ == "__main__":
    main()
