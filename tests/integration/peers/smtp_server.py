#!/usr/bin/python3
"""A real SMTP submission server for tests (aiosmtpd, Debian's python3-aiosmtpd).

Run with /usr/bin/python3. Prints one line "smtp_server: listening on 127.0.0.1:PORT" once it
accepts connections, then serves until SIGTERM/SIGINT.

  --port N               0 (default): any free port, shown in the listening line
  --cert F --key F       the server certificate (see tests/support/peer_support.py); required
  --implicit-tls         TLS from the first byte (smtps, port 465 style) instead of STARTTLS
  --user U --password P  credentials accepted by AUTH PLAIN and AUTH LOGIN
  --oauth-token T        access token accepted by AUTH XOAUTH2 (with --user)
  --out DIR              each accepted message is written to DIR/NNNN.eml (exact bytes received,
                         CRLF) with DIR/NNNN.json beside it: mail_from, rcpt_tos, login, mechanism
  --reject RCPT          answer RCPT TO:<RCPT> with 550 (repeatable)
  --tempfail RCPT        answer RCPT TO:<RCPT> with 451 (repeatable)

STARTTLS is required before anything else (unless --implicit-tls), and AUTH is required before
MAIL; AUTH is only offered over TLS."""

import argparse
import asyncio
import base64
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, out_dir, reject, tempfail, user, oauth_token):
        self.out_dir = out_dir
        self.reject = set(reject)
        self.tempfail = set(tempfail)
        self.user = user
        self.oauth_token = oauth_token
        self.count = len([n for n in os.listdir(out_dir) if n.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return f"550 5.1.1 <{address}>: recipient rejected"
        if address in self.tempfail:
            return f"451 4.3.0 <{address}>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out_dir, f"{self.count:04d}")
        data = envelope.original_content
        with open(base + ".tmp", "wb") as f:
            f.write(data)
        auth = session.auth_data
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "login": auth.login.decode() if auth else None,
                "mechanism": auth.mechanism if auth else None}
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".tmp", base + ".eml")  # the .eml appears last: a reader sees it whole
        return "250 2.0.0 Message accepted"

    # AUTH XOAUTH2 (Google/Microsoft style, as NHSmail uses): the client's response is
    # base64("user=" U "\x01auth=Bearer " TOKEN "\x01\x01"), as the initial response or after 334.
    async def auth_XOAUTH2(self, server, args):
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is None or not isinstance(blob, bytes):
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except Exception:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode("utf-8", "replace").split("\x01") if "=" in part)
        ok = (self.oauth_token is not None and fields.get("user") == self.user
              and fields.get("auth") == f"Bearer {self.oauth_token}")
        if not ok:
            return AuthResult(success=False, handled=False, message="535 5.7.8 XOAUTH2 token invalid")
        return AuthResult(success=True, auth_data=AuthenticatedAs(fields["user"].encode(), "XOAUTH2"))


class AuthenticatedAs:
    """Who authenticated, and how: recorded beside each message."""

    def __init__(self, login, mechanism):
        self.login = login
        self.mechanism = mechanism


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--user", default="gpwatch@test-practice.nhs.net")
    ap.add_argument("--password")
    ap.add_argument("--oauth-token")
    ap.add_argument("--out", required=True)
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--tempfail", action="append", default=[])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (args.password is not None and isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password)
        return AuthResult(success=ok, handled=False,
                          auth_data=AuthenticatedAs(auth_data.login, mechanism) if ok else None)

    handler = Recorder(args.out, args.reject, args.tempfail, args.user, args.oauth_token)

    def factory():
        if args.implicit_tls:
            return SMTP(handler, hostname="gpwatch-test-smtp", auth_required=True, auth_require_tls=False,
                        authenticator=authenticator)
        return SMTP(handler, hostname="gpwatch-test-smtp", tls_context=tls, require_starttls=True,
                    auth_required=True, authenticator=authenticator)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, host=args.host, port=args.port, ssl=tls if args.implicit_tls else None))
    port = server.sockets[0].getsockname()[1]
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print(f"smtp_server: listening on {args.host}:{port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())


if __name__ == "__main__":
    sys.exit(main())
