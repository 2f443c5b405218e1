#!/usr/bin/python3
"""Peers that do not behave, for tests of what gpwatchd does when a destination is slow, silent
or failing. Run with /usr/bin/python3. Prints "hostile_peer: listening on 127.0.0.1:PORT" once it
accepts connections, then serves until SIGTERM/SIGINT.

  hostile_peer.py tarpit [--port N]
      accepts every TCP connection and never sends a byte (nor reads one): a mail relay or web
      server that hangs. The connections stay open until the peer is stopped. With --record FILE
      it appends one line per connection accepted.
  hostile_peer.py http-500 --cert F --key F [--port N] [--record FILE]
      TLS; reads each HTTP request and answers 500 Internal Server Error, for ever. With --record
      FILE, one JSON line per request: {"at", "path", "bytes"}.
"""

import argparse
import json
import signal
import socket
import ssl
import sys
import threading
import time


def serve_tarpit(sock, record):
    held = []  # never answered, never closed: a peer that hangs
    while True:
        conn, _ = sock.accept()
        held.append(conn)
        if record:
            with open(record, "a") as f:
                f.write(json.dumps({"at": time.time(), "connections": len(held)}) + "\n")


def answer_500(conn, record):
    try:
        conn.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        while len(body) < length:
            chunk = conn.recv(4096)
            if not chunk:
                break
            body += chunk
        if record:
            path = head.split(b"\r\n")[0].split(b" ")[1].decode(errors="replace") if b" " in head else ""
            with open(record, "a") as f:
                f.write(json.dumps({"at": time.time(), "path": path, "bytes": len(body)}) + "\n")
        text = b'{"error":"internal error"}'
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(text)).encode() + b"\r\nConnection: close\r\n\r\n" + text)
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def serve_500(sock, cert, key, record):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    while True:
        raw, _ = sock.accept()

        def handle(raw=raw):
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                raw.close()
                return
            answer_500(conn, record)

        threading.Thread(target=handle, daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["tarpit", "http-500"])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--record")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", a.port))
    sock.listen(512)
    print(f"hostile_peer: listening on 127.0.0.1:{sock.getsockname()[1]}", flush=True)
    if a.mode == "tarpit":
        serve_tarpit(sock, a.record)
    else:
        if not (a.cert and a.key):
            sys.exit("http-500 needs --cert and --key")
        serve_500(sock, a.cert, a.key, a.record)


if __name__ == "__main__":
    main()
