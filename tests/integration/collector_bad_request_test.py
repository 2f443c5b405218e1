#!/usr/bin/python3
"""gpwatch-collector answers requests it cannot take instead of dropping the connection: over a
real TLS socket (Python's ssl, no HTTP client library that would refuse to send such bytes),
bytes that are not HTTP get 400 and a header over the 16 KiB limit gets 431, each with
Connection: close and the collector's JSON {"status", "detail"}, on the web listener and on the
upload listener (mutual TLS); afterwards the collector still answers good requests.

Framing that Beast's parser would let through but RFC 9112 says to refuse gets 400 too, before
routing (never a 405 or a 201 first), on both listeners: Transfer-Encoding "chunked, identity"
and "identity", an HTTP/1.1 request without Host, two equal Content-Length fields, obs-fold (a
field line starting with a space or tab). Nothing of them is stored. Plain "chunked" and an
HTTP/1.0 request without Host are still served.

The collector is started under a soft descriptor limit of 1,024 below a higher hard limit, and
must say that it raised the soft limit to the hard one.

usage: collector_bad_request_test.py BIN_DIR"""

import json
import os
import resource
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, run  # noqa: E402
from collector_harness import Collector, https_get, make_certs, stored_reports, write_config  # noqa: E402

BIN_DIR = sys.argv[1]


def exchange(port, certs, request, client_cert=False):
    """Sends `request` (bytes) over TLS and reads one answer; returns (status line, headers, body).
    The status line is empty when the collector closed the connection without answering."""
    ctx = ssl.create_default_context(cafile=certs["ca"])
    if client_cert:
        ctx.load_cert_chain(certs["client_cert"], certs["client_key"])
    raw = b""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as tcp:
        with ctx.wrap_socket(tcp, server_hostname="127.0.0.1") as s:
            try:
                s.sendall(request)
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError) as e:
                log(f"  sending stopped early ({e}); reading the answer anyway")
            while b"\r\n\r\n" not in raw:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, ssl.SSLError):
                    break
                if not chunk:
                    break
                raw += chunk
            head, _, body = raw.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, ssl.SSLError):
                    break
                if not chunk:
                    break
                body += chunk
    return lines[0] if raw else "", headers, body


def expect_refusal(name, port, certs, request, code, word, client_cert=False, detail_has=""):
    status, headers, body = exchange(port, certs, request, client_cert)
    check(status.startswith(f"HTTP/1.1 {code} "),
          f"{name}: expected status {code}, got {status!r} (empty: the connection was just closed)")
    check(headers.get("connection", "").lower() == "close", f"{name}: no 'Connection: close' in {headers}")
    check(headers.get("content-type") == "application/json", f"{name}: content type {headers.get('content-type')}")
    answer = json.loads(body)
    check(answer.get("status") == word and answer.get("detail"), f"{name}: answer {answer}")
    check(detail_has in answer["detail"], f"{name}: the detail does not say '{detail_has}': {answer}")
    log(f"{name}: {status} {answer}")


def request(method, target, fields, body=b""):
    """A request as raw bytes: request line, the given field lines as they are, blank line, body."""
    return f"{method} {target} HTTP/1.1\r\n".encode() + b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body


# Each framing case: (name, fields beyond the method's own, body, what the detail must name).
# The bodies are ones the routes would take if the framing were not refused first: a chunked
# body a server reading "chunked, identity" as chunked would see, the same bytes as "identity".
FRAMING_CASES = [
    ("Transfer-Encoding: chunked, identity", [b"Host: 127.0.0.1", b"Transfer-Encoding: chunked, identity"],
     b"5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding"),
    ("Transfer-Encoding: identity", [b"Host: 127.0.0.1", b"Transfer-Encoding: identity"], b"hello",
     "Transfer-Encoding"),
    ("no Host", [b"Content-Length: 5"], b"hello", "Host"),
    ("Content-Length twice, equal", [b"Host: 127.0.0.1", b"Content-Length: 5", b"Content-Length: 5"], b"hello",
     "Content-Length"),
    ("obs-fold", [b"Host: 127.0.0.1", b"X-Folded: first", b" continued", b"Content-Length: 5"], b"hello", "folding"),
]


def main(workdir):
    certs = make_certs(os.path.join(workdir, "certs"))
    config = os.path.join(workdir, "collector.yaml")
    write_config(config, certs, f"storage:\n  backend: sqlite\n  sqlite_path: {workdir}/collector.db")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    check(hard > 1024, f"the hard descriptor limit is {hard}: this test needs one above 1024")
    collector = Collector(BIN_DIR, config, workdir, nofile=(1024, min(hard, 8192)))
    try:
        garbage = b"\x00\x01 this is not HTTP \xff\r\n\r\n"
        huge_header = (b"GET /api/counts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 40000 +
                       b"\r\n\r\n")
        expect_refusal("web, garbage", collector.web_port, certs, garbage, 400, "bad_request")
        expect_refusal("web, 40 KB header", collector.web_port, certs, huge_header, 431, "header_too_large")
        # A request line that is almost HTTP is refused too, not half-served.
        expect_refusal("web, bad version", collector.web_port, certs, b"GET / HTTP/9\r\n\r\n", 400, "bad_request")
        expect_refusal("upload, garbage", collector.upload_port, certs, garbage, 400, "bad_request", client_cert=True)
        expect_refusal("upload, 40 KB header", collector.upload_port, certs,
                       huge_header.replace(b"GET /api/counts", b"POST /v1/reports"), 431, "header_too_large",
                       client_cert=True)

        # A good request on a connection of its own still works, and one just under the limit
        # is not refused (the test of the limit can fail both ways).
        code, text = https_get(collector.web_port, certs, "/api/counts")
        check(code == 200 and "weeks" in json.loads(text), f"/api/counts after the refusals: {code} {text}")
        status, _, _ = exchange(collector.web_port, certs,
                                b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 8000 +
                                b"\r\nConnection: close\r\n\r\n")
        check(status.startswith("HTTP/1.1 404 "), f"an 8 KB header was not served: {status!r}")
        log("good requests still answered; an 8 KB header is within the limit")

        # Framing RFC 9112 says to refuse: 400 before routing. On the web listener these POSTs
        # would otherwise get 405 (the routes are GETs); on the upload listener they are what a
        # practice's upload looks like, and nothing may be stored.
        for name, fields, body, what in FRAMING_CASES:
            expect_refusal(f"web, {name}", collector.web_port, certs, request("POST", "/api/counts", fields, body),
                           400, "bad_request", detail_has=what)
            expect_refusal(f"web GET, {name}", collector.web_port, certs, request("GET", "/api/counts", fields, body),
                           400, "bad_request", detail_has=what)
            expect_refusal(f"upload, {name}", collector.upload_port, certs,
                           request("POST", "/v1/reports", [b"Content-Type: application/x-protobuf"] + fields, body),
                           400, "bad_request", client_cert=True, detail_has=what)
        check(not stored_reports(f"{workdir}/collector.db"), "a request refused for its framing was stored")
        # The tests of the checks can fail both ways: plain chunked, and HTTP/1.0 without Host, are served.
        status, _, body = exchange(collector.web_port, certs,
                                   request("GET", "/api/counts", [b"Host: 127.0.0.1", b"Transfer-Encoding: chunked",
                                                                  b"Connection: close"], b"0\r\n\r\n"))
        check(status.startswith("HTTP/1.1 200 ") and "weeks" in json.loads(body), f"a chunked GET: {status!r}")
        status, _, _ = exchange(collector.web_port, certs, b"GET /api/counts HTTP/1.0\r\n\r\n")
        check(status.startswith("HTTP/1.1 200 "), f"an HTTP/1.0 GET without Host: {status!r}")
        log("plain chunked and HTTP/1.0 without Host are still served")

        with open(collector.log_path) as f:
            text = f.read()
        check(f"descriptor limit raised from 1024 to {min(hard, 8192)}" in text,
              f"the collector did not raise its soft descriptor limit: {collector.log_path}")
        check("request refused (400)" in text and "request refused (431)" in text,
              f"the refusals are not logged: {collector.log_path}")
        check("aaaaaaaa" not in text, "the collector logged the refused request's content")
        collector.stop()
        collector = None
    finally:
        if collector:
            collector.proc.kill()


if __name__ == "__main__":
    run(main)
