"""dkim_gen.py - N report mails for the DKIM bench, each signed by
python3-dkim (Google style) and an unsigned copy of each.

usage: dkim_gen.py JSON KEY.pem N SIGNED_DIR UNSIGNED_DIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "dkim"))
import json  # noqa: E402

import dkim  # noqa: E402
from mkmail import GOOGLE, build  # noqa: E402


def main():
    src, keyfile, n, sdir, udir = sys.argv[1:6]
    with open(src) as f:
        report = json.load(f)
    with open(keyfile, "rb") as f:
        key = f.read()
    pdom = report["policies"][0]["policy"]["policy-domain"]
    os.makedirs(sdir, exist_ok=True)
    os.makedirs(udir, exist_ok=True)
    for i in range(int(n)):
        report["report-id"] = "bench-%06d" % i
        raw = build(report, report["report-id"], "reporter.example", pdom)
        sig = dkim.sign(raw, b"sel", b"reporter.example", key,
                        canonicalize=(b"relaxed", b"relaxed"),
                        include_headers=GOOGLE)
        with open(os.path.join(sdir, "%06d.eml" % i), "wb") as f:
            f.write(sig + raw)
        with open(os.path.join(udir, "%06d.eml" % i), "wb") as f:
            f.write(raw)


if __name__ == "__main__":
    main()
