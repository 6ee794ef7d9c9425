#!/usr/bin/env python3
"""table.py - print make bench's rows (bench/table.sh) as one table.

    table.py ROWS [--markdown]
"""
import sys


def main():
    rows = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) == 8:
                rows.append(cols)
    md = "--markdown" in sys.argv[2:]
    head = ["way in", "tlsrptd", "peer under the same load", "peer",
            "ratio", "target", "peak RSS", "runs"]
    out = []
    for way, rate, unit, peer, prate, target, kib, note in rows:
        try:
            ratio = "%.2f" % (float(rate) / float(prate))
        except (ValueError, ZeroDivisionError):
            ratio = "-"
        try:
            rss = "%.1f MiB" % (int(kib) / 1024)
        except ValueError:
            rss = "-"
        met = ""
        if target not in ("", "-") and ratio != "-":
            met = " (met)" if float(ratio) >= float(target) else " (NOT met)"
        out.append([way, "%s %s" % (rate, unit), peer, "%s %s" % (prate, unit)
                    if prate not in ("", "-") else "-", ratio,
                    (target + met) if target not in ("", "-") else "-",
                    rss, note])
    if md:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for r in out:
            print("| " + " | ".join(r) + " |")
        return
    w = [max(len(str(r[i])) for r in out + [head]) for i in range(len(head))]
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)).rstrip())
    print("  ".join("-" * w[i] for i in range(len(head))))
    for r in out:
        print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)).rstrip())


if __name__ == "__main__":
    main()
