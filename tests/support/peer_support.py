#!/usr/bin/python3
"""Throw-away TLS certificates for test peers, made with the openssl command line.

    test_certs.py DIR [NAME]   writes DIR/NAME-ca.pem, DIR/NAME-cert.pem, DIR/NAME-key.pem

The leaf is for 127.0.0.1 and localhost (subjectAltName), signed by its own fresh CA, so a
client that trusts NAME-ca.pem verifies it and one that trusts another CA refuses it."""

import os
import subprocess
import sys


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca_and_leaf(directory, name="peer"):
    """Returns (ca_file, cert_file, key_file)."""
    os.makedirs(directory, exist_ok=True)
    p = lambda suffix: os.path.join(directory, f"{name}-{suffix}")
    ca_key, ca, key, csr, cert = p("ca-key.pem"), p("ca.pem"), p("key.pem"), p("csr.pem"), p("cert.pem")
    ext = p("ext.cnf")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", f"/CN=gpwatch test CA {name}",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
             "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    print(" ".join(make_ca_and_leaf(*sys.argv[1:])))
