"""keys.py - throwaway DKIM keys for the tests: a 2048-bit RSA and an
ed25519 key, written as the signer wants them, and their DNS TXT records
split into strings of at most 255 bytes, as dnsmasq --txt-record takes them.

usage: keys.py DIR   (writes DIR/rsa.pem, DIR/rsa.txt, DIR/ed.key, DIR/ed.txt)
"""
import base64
import subprocess
import sys

import nacl.signing


def split(record):
    """the record as dnsmasq --txt-record strings: comma-separated parts"""
    parts = [record[i:i + 250] for i in range(0, len(record), 250)]
    return ",".join(parts)


def main(d):
    subprocess.run(["openssl", "genrsa", "-out", d + "/rsa.pem", "2048"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", d + "/rsa.pem", "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    p = base64.b64encode(der).decode()
    with open(d + "/rsa.p", "w") as f:
        f.write(p)
    sk = nacl.signing.SigningKey.generate()
    with open(d + "/ed.key", "wb") as f:
        f.write(base64.b64encode(bytes(sk)))
    with open(d + "/ed.p", "w") as f:
        f.write(base64.b64encode(bytes(sk.verify_key)).decode())


if __name__ == "__main__":
    main(sys.argv[1])
