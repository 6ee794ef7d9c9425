#!/usr/bin/env python3
"""Generate TLS-RPT report mails shaped like the ones large senders send.

  gen_reports.py --out DIR --count N [--seed S] [--domains D] [--bare]

Each mail is multipart/report with a text part and an application/tlsrpt+gzip
attachment (base64, CRLF), 1-4 policies (sts, tlsa, no-policy-found) and 0-8
failure details. With --bare, DIR gets the bare application/tlsrpt+gzip bodies
(mNNNNNN.json.gz, as POSTed to an HTTPS rua) of the same reports instead.
DIR.manifest.json (beside DIR) holds the totals the store must show after
ingesting every mail once.
"""
import argparse
import base64
import datetime
import gzip
import json
import os
import random

SENDERS = [
    ("Google Inc.", "smtp-tls-reporting@google.com", "google.com"),
    ("Microsoft Corporation", "tlsrpt-noreply@microsoft.com", "microsoft.com"),
    ("Yahoo", "tlsrpt@yahooinc.com", "yahoo.com"),
    ("Mail.Ru", "tlsrpt@corp.mail.ru", "mail.ru"),
    ("Comcast", "tlsrpt@comcast.net", "comcast.net"),
]
RESULT_TYPES = [
    "starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
    "certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
    "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
]
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def make_policy(rng, domain):
    ptype = rng.choice(["sts", "sts", "tlsa", "no-policy-found"])
    mx = "mx%d.%s" % (rng.randint(1, 3), domain)
    policy = {"policy-type": ptype, "policy-domain": domain}
    if ptype == "sts":
        policy["policy-string"] = ["version: STSv1", "mode: enforce",
                                   "mx: *.%s" % domain, "max_age: 604800"]
        policy["mx-host"] = ["*.%s" % domain]
    elif ptype == "tlsa":
        policy["policy-string"] = ["3 1 1 %064x" % rng.getrandbits(256)]
        policy["mx-host"] = [mx]
    details = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3, 8])):
        d = {"result-type": rng.choice(RESULT_TYPES),
             "sending-mta-ip": "203.0.113.%d" % rng.randint(1, 254),
             "receiving-mx-hostname": mx,
             "failed-session-count": rng.randint(1, 500)}
        if rng.random() < 0.5:
            d["receiving-ip"] = "2001:db8::%x" % rng.randint(1, 65535)
        if rng.random() < 0.3:
            d["receiving-mx-helo"] = mx
        if rng.random() < 0.2:
            d["failure-reason-code"] = "X509_V_ERR_%d" % rng.randint(1, 80)
        details.append(d)
    entry = {"policy": policy,
             "summary": {"total-successful-session-count": rng.randint(0, 100000),
                         "total-failure-session-count":
                             sum(d["failed-session-count"] for d in details)}}
    if details:
        entry["failure-details"] = details
    return entry


def make_mail(rng, n, domain, rcpt):
    org, contact, sdom = rng.choice(SENDERS)
    start = EPOCH + datetime.timedelta(days=rng.randrange(90))
    end = start + datetime.timedelta(seconds=86399)
    stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    report = {
        "organization-name": org,
        "date-range": {"start-datetime": stamp,
                       "end-datetime": end.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "contact-info": contact,
        "report-id": "%s_%s_%08d%08x" % (stamp, domain, n, rng.getrandbits(32)),
        "policies": [make_policy(rng, domain)
                     for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4]))],
    }
    gz = gzip.compress(json.dumps(report).encode(), mtime=0)
    b64 = base64.encodebytes(gz).decode().replace("\n", "\r\n")
    fname = "%s!%s!%d!%d.json.gz" % (sdom, domain, int(start.timestamp()),
                                     int(end.timestamp()))
    boundary = "=_tlsrpt_%012x" % rng.getrandbits(48)
    mail = (
        "From: TLS Reporting <%s>\r\nTo: %s\r\n"
        "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\r\n"
        "Date: %s\r\nMessage-ID: <%08d.%x@%s>\r\n"
        "TLS-Report-Domain: %s\r\nTLS-Report-Submitter: %s\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"%s\"\r\n\r\n"
        "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is an aggregate TLS report from %s\r\n\r\n--%s\r\n"
        "Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n%s\r\n--%s--\r\n") % (
        contact, rcpt, domain, sdom, report["report-id"],
        end.strftime("%a, %d %b %Y %H:%M:%S +0000"), n, rng.getrandbits(32), sdom,
        domain, sdom, boundary, boundary, org, boundary, fname, b64, boundary)
    return mail.encode(), report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=8460)
    ap.add_argument("--domains", type=int, default=50)
    ap.add_argument("--rcpt", default="tlsrpt@reports.example.net")
    ap.add_argument("--bare", action="store_true",
                    help="write mNNNNNN.json.gz report bodies, not mails")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    totals = {"reports": 0, "policies": 0, "successful_sessions": 0,
              "failed_sessions": 0, "failure_details": 0, "bytes": 0}
    for n in range(args.count):
        domain = "d%03d.example.org" % rng.randrange(args.domains)
        mail, report = make_mail(rng, n, domain, args.rcpt)
        if args.bare:
            mail = gzip.compress(json.dumps(report).encode(), mtime=0)
        name = ("m%06d.json.gz" if args.bare else "m%06d.eml") % n
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(mail)
        totals["reports"] += 1
        totals["bytes"] += len(mail)
        for p in report["policies"]:
            totals["policies"] += 1
            totals["successful_sessions"] += p["summary"]["total-successful-session-count"]
            totals["failed_sessions"] += p["summary"]["total-failure-session-count"]
            totals["failure_details"] += len(p.get("failure-details", []))
    with open(args.out.rstrip("/") + ".manifest.json", "w") as f:
        json.dump(totals, f, indent=1)


if __name__ == "__main__":
    main()
