#!/usr/bin/python3
"""An HTTPS webhook receiver for tests that checks gpwatch's signature the way a real receiver
should (docs/configuration.md, "Webhook"):

    signed text = X-Gpwatch-Timestamp + "." + raw request body
    X-Gpwatch-Signature = "sha256=" + hex(HMAC-SHA256(secret, signed text)), compared in constant
    time; a timestamp more than --max-skew seconds from now is refused (replay).

Run with /usr/bin/python3. Prints "webhook_receiver: listening on 127.0.0.1:PORT", then serves
until SIGTERM/SIGINT.

  --port N             0 (default): any free port
  --cert F --key F     server certificate (tests/support/peer_support.py)
  --secret S           the shared secret
  --record FILE        one JSON line per request received: {"alert_id", "timestamp", "signature",
                       "verified", "why", "status", "body" (the raw body text), "json"}
  --fail-503 N         answer the first N correctly signed requests with 503 (then 200)
  --status CODE        answer every correctly signed request with CODE (e.g. 400)
  --delay SECONDS      wait this long before answering (a receiver that hangs: the sender's
                       time-out)
  --max-skew SECONDS   default 300

Answers: 401 bad or missing signature or stale timestamp, 400 body not JSON, 413 over 1 MiB,
otherwise 200 (or what --fail-503 / --status say)."""

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
import peer_support  # noqa: E402

MAX_BODY = 1024 * 1024


def expected_signature(secret, timestamp, body):
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def make_handler(args, state, lock):
    class Handler(peer_support.PeerHandler):
        who = "webhook_receiver"

        def answer(self, status, text):
            self.send_body(status, "text/plain", (text + "\n").encode())

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self.answer(413, "body too large")
            body = self.rfile.read(length)
            timestamp = self.headers.get("X-Gpwatch-Timestamp", "")
            signature = self.headers.get("X-Gpwatch-Signature", "")
            why = ""
            if not timestamp.isdigit():
                why = "missing or malformed X-Gpwatch-Timestamp"
            elif abs(time.time() - int(timestamp)) > args.max_skew:
                why = "timestamp too far from now (replay?)"
            elif not hmac.compare_digest(signature, expected_signature(args.secret, timestamp, body)):
                why = "signature does not match"
            parsed = None
            if not why:
                try:
                    parsed = json.loads(body)
                except ValueError:
                    why = "body is not JSON"
            with lock:
                if why:
                    status = 400 if why == "body is not JSON" else 401
                elif state["fail_503_left"] > 0:
                    state["fail_503_left"] -= 1
                    status = 503
                else:
                    status = args.status
                record = {"alert_id": self.headers.get("X-Gpwatch-Alert-Id"), "timestamp": timestamp,
                          "signature": signature, "verified": not why, "why": why, "status": status,
                          "path": self.path, "body": body.decode("utf-8", "replace"), "json": parsed}
                with open(args.record, "a") as f:
                    f.write(json.dumps(record) + "\n")
            if args.delay:
                time.sleep(args.delay)
            self.answer(status, why or ("ok" if status < 300 else "failing as told"))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--fail-503", type=int, default=0)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--max-skew", type=int, default=300)
    ap.add_argument("--delay", type=float, default=0)
    args = ap.parse_args()

    state = {"fail_503_left": args.fail_503}
    # A hanging answer (--delay) does not hold up the shutdown.
    peer_support.serve_https(make_handler(args, state, threading.Lock()), args.host, args.port, args.cert, args.key,
                             lambda port: f"webhook_receiver: listening on {args.host}:{port}")


if __name__ == "__main__":
    sys.exit(main())
