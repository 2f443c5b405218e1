"""The alert sinks against real peers on loopback, driven through gpwatch-sink-probe:

  SMTP (aiosmtpd, peers/smtp_server.py, STARTTLS required, AUTH required):
    - AUTH PLAIN delivers one well-formed message (parsed with Python's email module): headers,
      stable Message-ID, In-Reply-To/References under an earlier alert, subject with severity and
      reason, the body intact (a line starting with "." survives dot-stuffing); an urgent alert
      with a non-ASCII subject decodes exactly, header lines within 78 characters;
    - AUTH LOGIN and XOAUTH2 (token read from a file or a systemd credential; a refreshed file is
      used at the next send);
    - wrong password and wrong token -> permanent; 550 recipient -> permanent; 451 -> retryable;
    - server silent -> time-out, retryable; server down -> retryable, and back on the same port -> delivered; a certificate from an untrusted CA -> refused, nothing delivered;
    - implicit TLS (smtps://) works too;
  webhook (peers/webhook_receiver.py): the signature verifies, the document carries no NHS number
    or body text, a tampered body, timestamp or signature and a wrong secret are detected; 503 and
    a time-out -> retryable, 400 -> permanent; untrusted certificate -> refused;
  task (the real gpwatch-sim clinical): 201 then 200 with the same task id on a resend, the
    journal shows one task; a wrong token -> permanent; simulator down -> retryable.
  and no log file of any peer or of the simulator carries the NHS number.

usage: sinks_test.py BIN_DIR"""

import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import urllib.request
import ssl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Peer, Simulator, check, log, run  # noqa: E402
from peer_support import make_ca_and_leaf  # noqa: E402

USER = "gpwatch@test-practice.nhs.net"
FROM = "gpwatch@test-practice.nhs.net"
DUTY = "duty-gp@test-practice.nhs.net"
NHS = "9434765919"


def probe(bin_dir, sink, *args, env=None):
    out = subprocess.run([os.path.join(bin_dir, "gpwatch-sink-probe"), sink, *args], capture_output=True,
                         text=True, timeout=120, env=env)
    check(out.returncode == 0, f"probe {sink} exited {out.returncode}: {out.stderr}")
    results = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    check(results, f"probe {sink} printed nothing")
    return results if len(results) > 1 else results[0]


def expect(result, delivered, retryable=None, error_has=None, what=""):
    check(result["delivered"] == delivered, f"{what}: expected delivered={delivered}, got {result}")
    if retryable is not None:
        check(result["retryable"] == retryable, f"{what}: expected retryable={retryable}, got {result}")
    if error_has:
        check(error_has in result["error"], f"{what}: error should mention {error_has!r}: {result['error']!r}")
    check(NHS not in result["error"], f"{what}: the error text carries the NHS number")
    log(f"ok: {what}: {result}")


def messages(out_dir):
    names = sorted(n for n in os.listdir(out_dir) if n.endswith(".eml"))
    out = []
    for n in names:
        with open(os.path.join(out_dir, n), "rb") as f:
            raw = f.read()
        with open(os.path.join(out_dir, n[:-4] + ".json")) as f:
            meta = json.load(f)
        out.append((raw, email.message_from_bytes(raw, policy=email.policy.SMTP), meta))
    return out


def smtp_tests(bin_dir, workdir):
    ca, cert, key = make_ca_and_leaf(os.path.join(workdir, "certs"), "smtp")
    other_ca, other_cert, other_key = make_ca_and_leaf(os.path.join(workdir, "certs"), "stranger")
    out = os.path.join(workdir, "smtp-out")
    token_file = os.path.join(workdir, "oauth-token")
    with open(token_file, "w") as f:
        f.write("first-token\n")
    password_file = os.path.join(workdir, "smtp-password")
    with open(password_file, "w") as f:
        f.write("correct horse\n")
    server = Peer(workdir, "smtp", "smtp_server.py", "--cert", cert, "--key", key, "--user", USER,
                  "--password", "correct horse", "--oauth-token", "first-token", "--out", out,
                  "--reject", "nobody@test-practice.nhs.net", "--tempfail", "busy@test-practice.nhs.net")
    stranger = Peer(workdir, "smtp-stranger", "smtp_server.py", "--cert", other_cert, "--key", other_key,
                    "--password", "correct horse", "--out", os.path.join(workdir, "stranger-out"))
    try:
        url = f"smtp://127.0.0.1:{server.port}"
        common = ["--url", url, "--from", FROM, "--ca-file", ca, "--user", USER]
        body = ("URGENT: Unauthorised write.\n\nPatient:  NHS 943 476 5919\n"
                ".a line that starts with a dot\n..two dots\nWhat:     Observation\n")
        r = probe(bin_dir, "smtp", *common, "--to", DUTY, "--auth", "plain", "--password-file", password_file,
                  "--alert-id", "17", "--nhs-number", NHS, "--body", body, "--severity", "high",
                  "--reason", "unreviewed_overdue", "--subject", "[HIGH] Not reviewed in time: write by RT5",
                  "--in-reply-to", "alert-9.C84001@gpwatch.invalid")
        expect(r, True, what="STARTTLS + AUTH PLAIN")
        msgs = messages(out)
        check(len(msgs) == 1, f"expected 1 message on the server, found {len(msgs)}")
        raw, msg, meta = msgs[0]
        check(meta["mechanism"] == "PLAIN" and meta["login"] == USER, f"authenticated as {meta}")
        check(meta["mail_from"] == FROM and meta["rcpt_tos"] == [DUTY], f"envelope {meta}")
        check(msg["Message-ID"] == "<alert-17.C84001@gpwatch.invalid>", f"Message-ID {msg['Message-ID']}")
        check(msg["In-Reply-To"] == "<alert-9.C84001@gpwatch.invalid>", f"In-Reply-To {msg['In-Reply-To']}")
        check(msg["References"] == "<alert-9.C84001@gpwatch.invalid>", f"References {msg['References']}")
        check(msg["Subject"] == "[HIGH] Not reviewed in time: write by RT5", f"Subject {msg['Subject']}")
        check(msg["X-Gpwatch-Alert-Id"] == "17" and msg["X-Gpwatch-Severity"] == "high"
              and msg["X-Gpwatch-Reason"] == "unreviewed_overdue", "X-Gpwatch headers")
        check(msg["From"] == f"gpwatch <{FROM}>" and msg["To"] == DUTY, f"From/To {msg['From']} {msg['To']}")
        check(msg["Date"] == "Mon, 11 May 2026 09:42:07 +0000", f"Date {msg['Date']}")
        check(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF")
        text = msg.get_content()
        check(text.replace("\r\n", "\n") == body, f"body differs:\n{text!r}\nvs\n{body!r}")
        check(not msg.defects, f"message defects: {msg.defects}")
        log("ok: message well formed, threaded, body intact (dot lines survived)")

        # Resend of the same alert: the same Message-ID, so the inbox can recognise it.
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--password", "correct horse", "--alert-id", "17",
                     "--auth", "login"), True, what="AUTH LOGIN (resend of alert 17)")
        msgs = messages(out)
        check(msgs[1][1]["Message-ID"] == msgs[0][1]["Message-ID"], "a resend keeps its Message-ID")
        check(msgs[1][2]["mechanism"] == "LOGIN", f"second message authenticated by {msgs[1][2]}")

        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--auth", "xoauth2", "--token-file", token_file,
                     "--alert-id", "18"), True, what="XOAUTH2 with the token from its file")
        check(messages(out)[-1][2]["mechanism"] == "XOAUTH2", "third message via XOAUTH2")
        # The same token as a systemd credential (LoadCredential=nhsmail-token:... in the unit).
        creds = os.path.join(workdir, "credentials")
        os.makedirs(creds)
        with open(os.path.join(creds, "nhsmail-token"), "w") as f:
            f.write("first-token\n")
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--auth", "xoauth2", "--token-file",
                     "credential:nhsmail-token", "--alert-id", "18",
                     env={**os.environ, "CREDENTIALS_DIRECTORY": creds}), True,
               what="XOAUTH2 with the token from a systemd credential")
        check(messages(out)[-1][2]["mechanism"] == "XOAUTH2", "fourth message via XOAUTH2")

        # An urgent alert as the composer writes it, from a Welsh trust: a non-ASCII subject
        # (RFC 2047 encoded-words, folded) and a UTF-8 body the duty GP reads at a glance.
        subject = ("[URGENT] Unauthorised write by Ysbyty Gwynedd – Bangor, Betsi Cadwaladr University "
                   "Health Board (7A1A4) - Observation")
        gp_body = ("URGENT: Unauthorised write.\n\n"
                   "What:     Observation: Safeguarding concern (code 1124681000000101)\n"
                   "From:     Ysbyty Gwynedd – Bangor (7A1A4), NHS Trust\n"
                   "Patient:  NHS number 943 476 5919\n"
                   "When:     Mon 11 May 2026 10:42 (Europe/London)\n\n"
                   "Why it matters: 7A1A4 is on the prohibited list.\n\n"
                   "What to do: Check the entry in the clinical system now and file or reject it.\n")
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--password", "correct horse", "--alert-id", "19",
                     "--subject", subject, "--body", gp_body, "--nhs-number", NHS, "--reason",
                     "unauthorised_write", "--severity", "urgent"), True, what="urgent alert, non-ASCII subject")
        raw, msg, _ = messages(out)[-1]
        check(msg["Subject"] == subject, f"Subject decodes to {msg['Subject']!r}")
        check(all(len(line) <= 78 for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")),
              "every header line within 78 characters")
        check(msg["Message-ID"] == "<alert-19.C84001@gpwatch.invalid>" and msg["In-Reply-To"] is None,
              "a first alert has its own Message-ID and no In-Reply-To")
        check(msg["Importance"] == "high" and msg["X-Gpwatch-Severity"] == "urgent"
              and msg["X-Gpwatch-Reason"] == "unauthorised_write", "urgent alert marked important")
        check(msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8", "plain text, UTF-8")
        check(msg.get_content().replace("\r\n", "\n") == gp_body, f"body differs: {msg.get_content()!r}")
        check(not msg.defects, f"message defects: {msg.defects}")
        log("ok: urgent alert with a non-ASCII subject arrives decoded, body intact")

        # The token file is read at each delivery: a stale token fails, the refreshed one works.
        with open(token_file, "w") as f:
            f.write("expired-token\n")
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--auth", "xoauth2", "--token-file", token_file),
               False, retryable=False, error_has="535", what="XOAUTH2 with a wrong token -> permanent")
        with open(token_file, "w") as f:
            f.write("first-token\n")
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--auth", "xoauth2", "--token-file", token_file,
                     "--alert-id", "20"), True, what="XOAUTH2 after the token file was refreshed, no restart")
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--password", "wrong"), False, retryable=False,
               error_has="535", what="wrong password -> permanent")
        expect(probe(bin_dir, "smtp", *common, "--to", "nobody@test-practice.nhs.net", "--password",
                     "correct horse"), False, retryable=False, error_has="550",
               what="rejected recipient -> permanent")
        expect(probe(bin_dir, "smtp", *common, "--to", "busy@test-practice.nhs.net", "--password",
                     "correct horse"), False, retryable=True, error_has="451",
               what="451 temporary failure -> retryable")
        expect(probe(bin_dir, "smtp", *common, "--to", DUTY, "--auth", "xoauth2", "--token-file",
                     os.path.join(workdir, "no-such-token")), False, retryable=True, error_has="no-such-token",
               what="token file missing -> retryable (may be mid-refresh)")
        check(len(messages(out)) == 6, f"only the 6 good sends reached the server, found {len(messages(out))}")

        # A server whose certificate comes from a CA we do not trust: refused before AUTH or DATA.
        expect(probe(bin_dir, "smtp", "--url", f"smtp://127.0.0.1:{stranger.port}", "--from", FROM, "--to", DUTY,
                     "--ca-file", ca, "--user", USER, "--password", "correct horse"),
               False, retryable=False, error_has="certificate", what="untrusted certificate -> refused")
        check(not messages(os.path.join(workdir, "stranger-out")), "nothing delivered to the untrusted server")
        # The right CA but the wrong name: the certificate names 127.0.0.1 and localhost; this
        # server serves it on 127.0.0.2.
        wrong_name = Peer(workdir, "smtp-wrong-name", "smtp_server.py", "--host", "127.0.0.2", "--cert", cert,
                          "--key", key, "--password", "correct horse", "--out", os.path.join(workdir, "wrong-out"))
        try:
            expect(probe(bin_dir, "smtp", "--url", f"smtp://127.0.0.2:{wrong_name.port}", "--from", FROM, "--to",
                         DUTY, "--ca-file", ca, "--user", USER, "--password", "correct horse"),
                   False, retryable=False, error_has="certificate", what="certificate for another host name -> refused")
            check(not messages(os.path.join(workdir, "wrong-out")), "nothing delivered to the wrongly named server")
        finally:
            wrong_name.stop()
    finally:
        server.stop()
        stranger.stop()

    # Server down (the port is now closed): retryable.
    expect(probe(bin_dir, "smtp", "--url", f"smtp://127.0.0.1:{server.port}", "--from", FROM, "--to", DUTY,
                 "--ca-file", ca, "--user", USER, "--password", "x"), False, retryable=True,
           what="server down -> retryable")
    # A server that accepts the connection and never greets: the sink's time-out, retryable.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # the kernel completes the handshake; nobody ever answers
    try:
        expect(probe(bin_dir, "smtp", "--url", f"smtp://127.0.0.1:{silent.getsockname()[1]}", "--from", FROM,
                     "--to", DUTY, "--ca-file", ca, "--user", USER, "--password", "x", "--timeout", "2"),
               False, retryable=True, error_has="timed out", what="server silent -> time-out -> retryable")
    finally:
        silent.close()
    # ... and started again on the same port: the same sink settings deliver (the outbox's retry).
    back = Peer(workdir, "smtp-back", "smtp_server.py", "--port", str(server.port), "--cert", cert, "--key", key,
                "--user", USER, "--password", "correct horse", "--out", os.path.join(workdir, "smtp-back-out"))
    try:
        expect(probe(bin_dir, "smtp", "--url", f"smtp://127.0.0.1:{server.port}", "--from", FROM, "--to", DUTY,
                     "--ca-file", ca, "--user", USER, "--password", "correct horse", "--alert-id", "21"), True,
               what="server back -> delivered")
        check(len(messages(os.path.join(workdir, "smtp-back-out"))) == 1, "one message once the server is back")
    finally:
        back.stop()

    # Implicit TLS (smtps://, port 465 style).
    implicit = Peer(workdir, "smtps", "smtp_server.py", "--implicit-tls", "--cert", cert, "--key", key,
                    "--user", USER, "--password", "correct horse", "--out", os.path.join(workdir, "smtps-out"))
    try:
        expect(probe(bin_dir, "smtp", "--url", f"smtps://127.0.0.1:{implicit.port}", "--from", FROM, "--to", DUTY,
                     "--ca-file", ca, "--user", USER, "--password", "correct horse"), True,
               what="implicit TLS (smtps://)")
        check(len(messages(os.path.join(workdir, "smtps-out"))) == 1, "one message over smtps")
    finally:
        implicit.stop()


def webhook_tests(bin_dir, workdir):
    ca, cert, key = make_ca_and_leaf(os.path.join(workdir, "certs"), "hook")
    record = os.path.join(workdir, "webhook.jsonl")
    receiver = Peer(workdir, "webhook", "webhook_receiver.py", "--cert", cert, "--key", key, "--secret",
                    "hook-secret", "--record", record, "--fail-503", "1")
    failing = Peer(workdir, "webhook-400", "webhook_receiver.py", "--cert", cert, "--key", key, "--secret",
                   "hook-secret", "--record", os.path.join(workdir, "webhook-400.jsonl"), "--status", "400")
    secret_file = os.path.join(workdir, "hook-secret")
    with open(secret_file, "w") as f:
        f.write("hook-secret\n")
    try:
        url = f"https://127.0.0.1:{receiver.port}/gpwatch"
        alert = ["--alert-id", "23", "--nhs-number", NHS, "--body", f"Patient NHS {NHS}: safeguarding flag",
                 "--covers", "20,21", "--rule", "safeguarding", "--kind", "digest"]
        first, second = probe(bin_dir, "webhook", "--url", url, "--ca-file", ca, "--secret-file", secret_file,
                              "--repeat", "2", *alert)
        expect(first, False, retryable=True, error_has="503", what="webhook 503 -> retryable")
        expect(second, True, what="webhook retry delivered")
        with open(record) as f:
            got = [json.loads(line) for line in f]
        check(len(got) == 2 and all(g["verified"] for g in got), f"receiver verified both: {got}")
        check(got[0]["alert_id"] == got[1]["alert_id"] == "23", "same X-Gpwatch-Alert-Id on the retry")
        doc = got[1]["json"]
        check(doc["alert_id"] == 23 and doc["kind"] == "digest" and doc["covers"] == [20, 21]
              and doc["rule"] == "safeguarding" and doc["practice"] == "C84001"
              and doc["author"] == {"ods": "RW1", "name": "Midlands Community Care NHS Trust"}
              and doc["created_at"] == "2026-05-11T09:42:07Z", f"document {doc}")
        check(NHS not in got[1]["body"] and "safeguarding flag" not in got[1]["body"]
              and "nhs_number" not in doc and "body" not in doc, "no NHS number or body text in the webhook")
        log("ok: the signature verifies; no patient detail in the document")

        # Tampering: replay the recorded request with one byte changed, then with a stale timestamp.
        ctx = ssl.create_default_context(cafile=ca)

        def post(body, timestamp, signature):
            req = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json", "X-Gpwatch-Timestamp": timestamp,
                "X-Gpwatch-Signature": signature, "X-Gpwatch-Alert-Id": "23"})
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
                    return resp.status
            except urllib.error.HTTPError as e:
                return e.code

        good = got[1]
        check(post(good["body"].encode(), good["timestamp"], good["signature"]) == 200,
              "the untouched request verifies again (the check is not simply refusing everything)")
        tampered = good["body"].replace('"severity":"urgent"', '"severity":"info"').encode()
        check(tampered != good["body"].encode(), "tampering changed the body")
        check(post(tampered, good["timestamp"], good["signature"]) == 401, "a tampered body is detected")
        check(post(good["body"].encode(), str(int(good["timestamp"]) + 1), good["signature"]) == 401,
              "a changed timestamp is detected")
        sig = good["signature"]
        flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        check(post(good["body"].encode(), good["timestamp"], flipped) == 401, "a tampered signature is detected")
        check(post(good["body"].encode(), good["timestamp"], "") == 401, "a missing signature is detected")
        with open(record) as f:
            refused = [json.loads(line) for line in f][3:]
        check(len(refused) == 4 and not any(r["verified"] for r in refused)
              and all(r["why"] == "signature does not match" for r in refused),
              f"the receiver recorded each tampered request as unverified: {refused}")
        log("ok: tampered body, timestamp and signature detected by the receiver")

        expect(probe(bin_dir, "webhook", "--url", url, "--ca-file", ca, "--secret", "not-the-secret"), False,
               retryable=False, error_has="401", what="wrong secret -> 401 -> permanent")
        expect(probe(bin_dir, "webhook", "--url", f"https://127.0.0.1:{failing.port}/gpwatch", "--ca-file", ca,
                     "--secret", "hook-secret"), False, retryable=False, error_has="400",
               what="webhook 400 -> permanent")
        other_ca, _, _ = make_ca_and_leaf(os.path.join(workdir, "certs"), "hook-stranger")
        expect(probe(bin_dir, "webhook", "--url", url, "--ca-file", other_ca, "--secret", "hook-secret"), False,
               retryable=False, error_has="certificate", what="webhook untrusted certificate -> refused")
        # A receiver that hangs: the sink gives up at its time-out and says to try again.
        slow = Peer(workdir, "webhook-slow", "webhook_receiver.py", "--cert", cert, "--key", key, "--secret",
                    "hook-secret", "--record", os.path.join(workdir, "webhook-slow.jsonl"), "--delay", "5")
        try:
            expect(probe(bin_dir, "webhook", "--url", f"https://127.0.0.1:{slow.port}/gpwatch", "--ca-file", ca,
                         "--secret", "hook-secret", "--timeout", "1"), False, retryable=True,
                   error_has="timed out", what="webhook time-out -> retryable")
        finally:
            slow.stop()
    finally:
        receiver.stop()
        failing.stop()
    expect(probe(bin_dir, "webhook", "--url", url, "--ca-file", ca, "--secret", "hook-secret"), False,
           retryable=True, what="webhook receiver down -> retryable")


def task_tests(bin_dir, workdir):
    simdir = os.path.join(workdir, "sim")
    os.makedirs(simdir)
    sim = Simulator(bin_dir, simdir, "--rate", "0.001")
    try:
        url = f"https://127.0.0.1:{sim.port}/tasks"
        alert = ["--alert-id", "31", "--nhs-number", NHS, "--body", "Check the entry now.", "--severity", "urgent"]
        first, again = probe(bin_dir, "task", "--url", url, "--ca-file", sim.ca_file, "--token", "gpwatch-sim-token",
                             "--repeat", "2", *alert)
        expect(first, True, what="task created (201)")
        expect(again, True, what="the same alert again (200, deduplicated)")
        check(first["task_id"] and first["task_id"] == again["task_id"],
              f"the resend names the first task: {first['task_id']} vs {again['task_id']}")
        tasks = sim.journal_tasks()
        check(len(tasks) == 1, f"the journal holds {len(tasks)} tasks, expected 1")
        t = tasks[0]
        check(t["task_id"] == first["task_id"] and t["practice"] == "C84001" and t["list"] == "duty-doctor"
              and t["priority"] == "urgent" and t["patient"] == {"nhs_number": NHS}
              and t["dedupe_key"] == "gpwatch-C84001-alert-31" and t["body"] == "Check the entry now.",
              f"task as journalled: {t}")
        log("ok: one task in the journal, as docs/protocols.md describes it")
        # A long digest's text (100 KB) is cut to what a task holds, saying where the rest is,
        # and the clinical system takes it (a task over its body limit would be refused for ever).
        long_body = "".join(f"  - alert {i}: [HIGH] Not reviewed in time: write by RT5 - Observation\n"
                            for i in range(1400))
        big = probe(bin_dir, "task", "--url", url, "--ca-file", sim.ca_file, "--token", "gpwatch-sim-token",
                    "--alert-id", "33", "--kind", "digest", "--body", long_body)
        expect(big[0] if isinstance(big, list) else big, True, what="a 100 KB digest as a task")
        journalled = [t for t in sim.journal_tasks() if t["dedupe_key"] == "gpwatch-C84001-alert-33"]
        check(len(journalled) == 1 and len(journalled[0]["body"]) <= 16 * 1024
              and "cut here" in journalled[0]["body"] and "alert 33" in journalled[0]["body"],
              f"the long task as journalled: {len(journalled[0]['body']) if journalled else None} characters")
        log("ok: a 100 KB digest becomes a task of at most 16 KB that says where the rest is")
        expect(probe(bin_dir, "task", "--url", url, "--ca-file", sim.ca_file, "--token", "wrong-token"), False,
               retryable=False, error_has="401", what="task with a wrong token -> permanent")
        expect(probe(bin_dir, "task", "--url", url, "--ca-file", sim.ca_file, "--token", "gpwatch-sim-token",
                     "--alert-id", "32", "--nhs-number", "94347659"), False, retryable=False,
               error_has="400", what="task the clinical system refuses (bad NHS number) -> permanent")

        # POST /tasks as any HTTP client sees it: each refusal says why.
        ctx = ssl.create_default_context(cafile=sim.ca_file)

        def call(method, body=None, token="gpwatch-sim-token"):
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            req = urllib.request.Request(url, data=body, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
                    return resp.status, resp.read().decode(), resp.headers
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode(), e.headers

        status, text, headers = call("POST", b"{}", token=None)
        check(status == 401 and headers.get("WWW-Authenticate") == "Bearer", f"no token: {status} {text}")
        status, text, _ = call("GET")
        check(status == 405, f"GET /tasks: {status} {text}")
        status, text, _ = call("POST", b"not json")
        check(status == 400 and json.loads(text)["field"] == "body", f"not JSON: {status} {text}")
        status, text, _ = call("POST", json.dumps({"practice": "C84001", "list": "duty-doctor",
                                                    "priority": "whenever", "title": "t", "body": "",
                                                    "dedupe_key": "k"}).encode())
        check(status == 400 and json.loads(text)["field"] == "priority", f"bad priority: {status} {text}")
        status, text, _ = call("POST", json.dumps({"practice": "C84002", "list": "duty-doctor",
                                                    "priority": "urgent", "title": "t", "body": "",
                                                    "dedupe_key": "k"}).encode())
        check(status == 400 and json.loads(text)["field"] == "practice", f"another practice: {status} {text}")
        check(len(sim.journal_tasks()) == 2, "refused tasks are not journalled")
        log("ok: POST /tasks refuses a missing token, GET, bad JSON and bad fields, naming the field")
    finally:
        sim.stop()
    expect(probe(bin_dir, "task", "--url", url, "--ca-file", sim.ca_file, "--token", "gpwatch-sim-token"), False,
           retryable=True, what="simulator down -> retryable")


def no_nhs_number_in_logs(workdir):
    """The peers' and the simulator's logs saw every request; none may name the patient."""
    logs = []
    for root, _, names in os.walk(workdir):
        logs += [os.path.join(root, n) for n in names if n.endswith(".log")]
    check(logs, "no log files to check")
    for path in logs:
        with open(path, errors="replace") as f:
            text = f.read()
        for form in (NHS, "943 476 5919"):
            check(form not in text, f"{os.path.relpath(path, workdir)} carries the NHS number ({form})")
    log(f"ok: no NHS number in {len(logs)} log files")


def main(workdir):
    bin_dir = sys.argv[1]
    check(os.path.exists(os.path.join(bin_dir, "gpwatch-sink-probe")), "gpwatch-sink-probe is not built")
    smtp_tests(bin_dir, workdir)
    webhook_tests(bin_dir, workdir)
    task_tests(bin_dir, workdir)
    no_nhs_number_in_logs(workdir)


if __name__ == "__main__":
    run(main)
