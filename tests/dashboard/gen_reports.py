#!/usr/bin/env python3
"""gen_reports.py - write a deterministic set of TLS-RPT reports (RFC 8460 JSON)
for the dashboard's tests and screenshots: DAYS days ending 2026-11-30, three
senders reporting three domains every day, a certificate that expires for
four days on one MX, an MTA-STS policy that changes from testing to enforce,
a sender that stops reporting, Microsoft-style tlsa + sts copies of the same
sessions, and one report whose free-text fields are hostile (markup, quotes,
terminal escapes, right-to-left marks, a very long name).

usage: tests/dashboard/gen_reports.py OUTDIR [DAYS]
"""
import datetime
import json
import os
import random
import sys

END = datetime.date(2026, 11, 30)
SENDERS = [
    ("Google Inc.", "smtp-tls-reporting@google.com", "198.51.100."),
    ("Microsoft Corporation", "tlsrpt-noreply@microsoft.com", "203.0.113."),
    ("Example Mail", "postmaster@mail.example", "192.0.2."),
]


def sts(domain, mode, mxs):
    return ["version: STSv1", "mode: " + mode] + \
        ["mx: " + m for m in mxs] + ["max_age: 604800"]


def policy(ptype, domain, pstr, mxs, ok, failures):
    p = {"policy": {"policy-type": ptype, "policy-domain": domain},
         "summary": {"total-successful-session-count": ok,
                     "total-failure-session-count":
                         sum(f["failed-session-count"] for f in failures)}}
    if pstr is not None:
        p["policy"]["policy-string"] = pstr
    if mxs is not None:
        p["policy"]["mx-host"] = mxs
    if failures:
        p["failure-details"] = failures
    return p


def failure(rtype, ip, mx, n, **more):
    f = {"result-type": rtype, "sending-mta-ip": ip,
         "receiving-mx-hostname": mx, "failed-session-count": n}
    f.update(more)
    return f


def report(org, contact, rid, day, policies):
    start = day.strftime("%Y-%m-%dT00:00:00Z")
    end = day.strftime("%Y-%m-%dT23:59:59Z")
    return {"organization-name": org,
            "date-range": {"start-datetime": start, "end-datetime": end},
            "contact-info": contact, "report-id": rid, "policies": policies}


def main():
    out = sys.argv[1]
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    rnd = random.Random(8460)
    os.makedirs(out, exist_ok=True)
    n = 0
    for i in range(days):
        day = END - datetime.timedelta(days=days - 1 - i)
        mode = "testing" if i < days * 2 // 3 else "enforce"
        expired = days // 2 <= i < days // 2 + 4
        for s, (org, contact, net) in enumerate(SENDERS):
            # the third sender stops reporting a week before the end
            if s == 2 and i >= days - 7:
                continue
            ip = net + str(10 + s)
            pols = []
            # example.com: MTA-STS, mx2's certificate expires for 4 days
            ok = 900 + rnd.randrange(300)
            fails = []
            if expired:
                fails.append(failure("certificate-expired", ip,
                                     "mx2.example.com", 40 + rnd.randrange(30),
                                     **{"receiving-ip": "192.0.2.25"}))
            if rnd.random() < 0.3:
                fails.append(failure("starttls-not-supported", ip,
                                     "mx1.example.com", 1 + rnd.randrange(4)))
            mxs = ["mx1.example.com", "mx2.example.com"]
            pols.append(policy("sts", "example.com",
                               sts("example.com", mode, mxs), mxs, ok, fails))
            # example.net: DANE; Microsoft also reports it under sts
            ok = 200 + rnd.randrange(100)
            fails = []
            if rnd.random() < 0.2:
                fails.append(failure("tlsa-invalid", ip, "mx.example.net",
                                     1 + rnd.randrange(3)))
            tlsa = ["_25._tcp.mx.example.net. IN TLSA 3 1 1 "
                    "0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"]
            pols.append(policy("tlsa", "example.net", tlsa,
                               ["mx.example.net"], ok, fails))
            if s == 1:
                pols.append(policy("sts", "example.net",
                                   sts("example.net", "enforce",
                                       ["mx.example.net"]),
                                   ["mx.example.net"], ok, fails))
            # example.org: no policy, healthy
            pols.append(policy("no-policy-found", "example.org", None, None,
                               50 + rnd.randrange(50), []))
            rid = "%s-%s-%d" % (day.isoformat(), org.split()[0].lower(), s)
            doc = report(org, contact, rid, day, pols)
            n += 1
            with open(os.path.join(out, "r%04d.json" % n), "w") as f:
                json.dump(doc, f)
    # one hostile report: every free-text field written by a stranger
    day = END - datetime.timedelta(days=1)
    evil = ("<script>alert(1)</script>\"onload=\"alert(2)'</svg>"
            "\x1b[31m\u202egnp.exe\u200f" + "W" * 300)
    doc = report(evil, "mailto:<img src=x onerror=alert(3)>", "\"><svg onload=alert(4)>",
                 day, [policy("sts", "example.com",
                              ["version: STSv1", "mode: enforce",
                               "mx: </td><script>alert(5)</script>"],
                              ["</title><script>alert(6)</script>"], 10,
                              [failure("<b>bold-type</b>", "192.0.2.66",
                                       "</svg><script>alert(7)</script>", 2,
                                       **{"failure-reason-code":
                                          "\x1b]0;title\x07\u202e<i>",
                                          "additional-information":
                                          "javascript:alert(8)"})])])
    n += 1
    with open(os.path.join(out, "r%04d.json" % n), "w") as f:
        json.dump(doc, f)
    print(n)


if __name__ == "__main__":
    main()
