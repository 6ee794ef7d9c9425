"""mkmail.py - a TLS-RPT report mail (RFC 8460 section 5.3) made from a
report JSON with a fresh report-id, signed by python3-dkim (an independent
signer) the way real reporters sign, then optionally tampered with.

usage: mkmail.py JSON OUT REPORT_ID FROM_DOMAIN [options]
  --sign DOMAIN:SELECTOR:KEYFILE   sign with d=DOMAIN (KEYFILE: RSA PEM, or
                                   a base64 ed25519 seed ending in .key)
  --style google|microsoft         google: relaxed/relaxed, TLS-Report-Domain
                                   and TLS-Report-Submitter signed;
                                   microsoft: relaxed/relaxed without them
  --length                         add l= (the signed body length)
  --tamper body|header             change the body, or the Subject, after
                                   signing
  --failed N                       the first policy's failure count
  --json-only                      write the report JSON alone (as an
                                   HTTPS sender would POST it)
"""
import argparse
import gzip
import json
import sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

import dkim

GOOGLE = [b"from", b"to", b"subject", b"date", b"message-id",
          b"mime-version", b"content-type", b"tls-report-domain",
          b"tls-report-submitter"]
MICROSOFT = [b"from", b"date", b"subject", b"message-id", b"content-type",
             b"mime-version"]


def build(report, rid, from_domain, policy_domain):
    body = gzip.compress(json.dumps(report).encode(), mtime=0)
    msg = MIMEMultipart("report", report_type="tlsrpt")
    msg["From"] = "TLS reports <noreply-tlsrpt@%s>" % from_domain
    msg["To"] = "tlsrpt@tlsrpt.test"
    msg["Subject"] = "Report Domain: %s Submitter: %s Report-ID: <%s>" % (
        policy_domain, from_domain, rid)
    msg["Date"] = formatdate(0, usegmt=True)
    msg["Message-ID"] = "<%s@%s>" % (rid, from_domain)
    msg["TLS-Report-Domain"] = policy_domain
    msg["TLS-Report-Submitter"] = from_domain
    msg.attach(MIMEText("This is an aggregate TLS report from %s.\n"
                        % from_domain))
    part = MIMEApplication(body, "tlsrpt+gzip")
    part.add_header("Content-Disposition", "attachment",
                    filename="%s!%s!0!86399!%s.json.gz"
                    % (from_domain, policy_domain, rid))
    msg.attach(part)
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("out")
    ap.add_argument("rid")
    ap.add_argument("from_domain")
    ap.add_argument("--sign")
    ap.add_argument("--style", default="google")
    ap.add_argument("--length", action="store_true")
    ap.add_argument("--tamper")
    ap.add_argument("--failed", type=int)
    ap.add_argument("--json-only", action="store_true")
    a = ap.parse_args()
    with open(a.json) as f:
        report = json.load(f)
    report["report-id"] = a.rid
    if a.failed is not None:
        report["policies"][0]["summary"]["total-failure-session-count"] = a.failed
    if a.json_only:
        with open(a.out, "w") as f:
            json.dump(report, f)
        return 0
    pdom = report["policies"][0]["policy"].get("policy-domain", "x.example")
    raw = build(report, a.rid, a.from_domain, pdom)
    if a.sign:
        domain, selector, keyfile = a.sign.split(":")
        with open(keyfile, "rb") as f:
            key = f.read()
        alg = b"ed25519-sha256" if keyfile.endswith(".key") else b"rsa-sha256"
        heads = GOOGLE if a.style == "google" else MICROSOFT
        sig = dkim.sign(raw, selector.encode(), domain.encode(), key,
                        canonicalize=(b"relaxed", b"relaxed"),
                        include_headers=heads, length=a.length,
                        signature_algorithm=alg)
        raw = sig + raw
    if a.tamper == "body":
        raw = raw.replace(b"aggregate TLS report", b"aggregate TLS rep0rt")
    elif a.tamper == "header":
        raw = raw.replace(b"Subject: Report Domain", b"Subject: Report domain")
    with open(a.out, "wb") as f:
        f.write(raw)


if __name__ == "__main__":
    sys.exit(main())
