#!/usr/bin/python3
"""What the Python test peers and harnesses share, one copy: throw-away TLS certificates made with
the openssl command line, and the start-up of an HTTPS peer (http.server over TLS, stopped by
SIGTERM). Standard library only, for Debian's /usr/bin/python3.

    peer_support.py DIR [NAME]   writes DIR/NAME-ca.pem, DIR/NAME-cert.pem, DIR/NAME-key.pem

A leaf from make_ca_and_leaf() is for 127.0.0.1 and localhost (subjectAltName), signed by its own
fresh CA, so a client that trusts NAME-ca.pem verifies it and one that trusts another CA refuses it.
Users put this folder on sys.path (tests/support)."""

import http.server
import os
import signal
import ssl
import subprocess
import sys
import threading

P256 = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
SERVER_EXT = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
CLIENT_EXT = "extendedKeyUsage=clientAuth\n"


def openssl(*args):
    """Runs the openssl command; returns its stdout. Raises RuntimeError with its stderr on failure."""
    r = subprocess.run(["openssl", *args], capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {r.stderr.decode()}")
    return r.stdout


def make_ca(key, cert, subject, *extra):
    """A self-signed P-256 CA valid for 2 days; `extra` goes to openssl req (e.g. -addext ...)."""
    openssl("req", "-x509", *P256, "-keyout", key, "-out", cert, "-days", "2", "-subj", subject, *extra)


def make_leaf(key, cert, subject, ca_cert, ca_key, ext):
    """A P-256 certificate valid for 2 days signed by the CA, with the extensions text `ext`; the
    CSR and extension file are written beside `cert` (cert minus ".pem" + ".csr" / ".ext")."""
    base = cert[:-4] if cert.endswith(".pem") else cert
    csr, ext_file = base + ".csr", base + ".ext"
    with open(ext_file, "w") as f:
        f.write(ext)
    openssl("req", *P256, "-keyout", key, "-out", csr, "-subj", subject)
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext_file)
    return cert, key


def make_ca_and_leaf(directory, name="peer"):
    """A fresh CA and a server certificate for 127.0.0.1. Returns (ca_file, cert_file, key_file)."""
    os.makedirs(directory, exist_ok=True)
    p = lambda suffix: os.path.join(directory, f"{name}-{suffix}")  # noqa: E731
    ca_key, ca = p("ca-key.pem"), p("ca.pem")
    make_ca(ca_key, ca, f"/CN=gpwatch test CA {name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    make_leaf(p("key.pem"), p("cert.pem"), "/CN=localhost", ca, ca_key,
              "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    return ca, p("cert.pem"), p("key.pem")


class PeerHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs to stderr as "WHO: ..." (set `who`) and answers with one body
    and Connection: close."""
    protocol_version = "HTTP/1.1"
    who = "peer"

    def log_message(self, fmt, *a):
        sys.stderr.write(f"{self.who}: " + (fmt % a) + "\n")

    def send_body(self, code, content_type, data):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True


def serve_https(handler, host, port, cert, key, listening, client_ca=None):
    """Serves `handler` over TLS on host:port (0: any) until SIGTERM (or Ctrl-C), one thread a
    request; a hanging answer does not hold up the shutdown. With `client_ca`, a client certificate
    signed by it is required (mutual TLS). Prints listening(port), flushed, once bound."""
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    if client_ca:
        tls.load_verify_locations(client_ca)
        tls.verify_mode = ssl.CERT_REQUIRED
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(listening(server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    print(" ".join(make_ca_and_leaf(*sys.argv[1:])))
