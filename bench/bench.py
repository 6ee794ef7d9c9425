#!/usr/bin/env python3
"""make bench: bulk-ingest throughput and peak memory of tlsrptd, beside its peers.

Generates COUNT report mails once (build/bench/), then runs, alternating in
each round so that machine noise hits all alike:
  tlsrptd ingest   the full pipeline with validation, WAL + synchronous=FULL
  floor            ../shared/bench/floor.c when that folder is beside the
                   checkout: the leanest C path, no validation (a lower bound)
  python peer      ../shared/bench/python_peer.py: Python standard library
Prints the median of ROUNDS runs, reports/s, MB/s, peak RSS and the ratios,
and checks that the database holds exactly the generated totals.
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(argv, **kw):
    """Run argv; return (seconds, peak RSS in MiB).

    The peak comes from GNU time: a child's own ru_maxrss would include the
    image of this Python process it was forked from."""
    rss_file = os.path.join(ROOT, "build", "bench", "rss")
    t0 = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, **kw)
    p.wait()
    dt = time.monotonic() - t0
    if p.returncode not in (0,):
        sys.exit("bench: %s exited %d" % (argv[0], p.returncode))
    with open(rss_file) as f:
        return dt, int(f.read().split()[-1]) / 1024.0


def fresh(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return path


def check_totals(db, manifest):
    con = sqlite3.connect(db)
    got = {
        "reports": con.execute("SELECT count(*) FROM reports").fetchone()[0],
        "policies": con.execute("SELECT count(*) FROM policies").fetchone()[0],
        "successful_sessions": con.execute(
            "SELECT total(successful_sessions) FROM policies").fetchone()[0],
        "failed_sessions": con.execute(
            "SELECT total(failed_sessions) FROM policies").fetchone()[0],
        "failure_details": con.execute(
            "SELECT count(*) FROM failure_details").fetchone()[0],
    }
    con.close()
    for k, v in got.items():
        if int(v) != manifest[k]:
            sys.exit("bench: database holds %s=%d, generated %d" % (k, v, manifest[k]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsrptd", required=True)
    ap.add_argument("--count", type=int, default=int(os.environ.get("BENCH_COUNT", 20000)))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 5)))
    ap.add_argument("--peers", default=os.path.join(ROOT, "..", "shared", "bench"))
    args = ap.parse_args()

    work = os.path.join(ROOT, "build", "bench")
    mails = os.path.join(work, "mails-%d" % args.count)
    if not os.path.exists(mails + ".manifest.json"):
        shutil.rmtree(mails, ignore_errors=True)
        print("bench: generating %d report mails in %s" % (args.count, mails), flush=True)
        subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_reports.py"),
                               "--out", mails, "--count", str(args.count)])
    with open(mails + ".manifest.json") as f:
        manifest = json.load(f)
    files = sorted(os.path.join(mails, n) for n in os.listdir(mails) if n.endswith(".eml"))
    mbytes = manifest["bytes"] / 1e6

    db = os.path.join(work, "bench.db")
    runners = [("tlsrptd ingest", lambda: run(
        [args.tlsrptd, "ingest", "--quiet", "--db", fresh(db), mails],
        stdout=subprocess.DEVNULL))]
    floor_src = os.path.join(args.peers, "floor.c")
    if os.path.exists(floor_src):
        floor = os.path.join(work, "floor")
        cflags = subprocess.check_output(
            ["pkg-config", "--cflags", "--libs", "json-c", "sqlite3", "zlib"]).decode().split()
        subprocess.check_call(["cc", "-O2", "-o", floor, floor_src] + cflags)
        runners.append(("floor (C, no validation)", lambda: run(
            [floor, fresh(db + ".floor")] + files, stdout=subprocess.DEVNULL)))
    peer = os.path.join(args.peers, "python_peer.py")
    if os.path.exists(peer):
        runners.append(("python peer (stdlib)", lambda: run(
            [sys.executable, peer, fresh(db + ".py")] + files, stdout=subprocess.DEVNULL)))

    times = {name: [] for name, _ in runners}
    rss = {name: 0.0 for name, _ in runners}
    for r in range(args.rounds):
        for name, fn in runners:
            dt, peak = fn()
            times[name].append(dt)
            rss[name] = max(rss[name], peak)
            if name.startswith("tlsrptd"):
                check_totals(db, manifest)
    print()
    print("bulk ingest: %d mails, %.1f MB, median of %d rounds" % (args.count, mbytes, args.rounds))
    print("%-28s %9s %12s %9s %11s %8s" % ("ingester", "seconds", "reports/s", "MB/s",
                                          "peak RSS", "ratio"))
    base = statistics.median(times[runners[0][0]])
    for name, _ in runners:
        t = statistics.median(times[name])
        print("%-28s %9.3f %12.0f %9.1f %8.1f MiB %7.2fx" % (
            name, t, args.count / t, mbytes / t, rss[name], t / base))
    print("(ratio: tlsrptd's rate / that ingester's rate; above 1 means tlsrptd is faster)")
    table = os.environ.get("BENCH_TABLE")
    if table:
        ours = args.count / base
        with open(table, "a", encoding="utf-8") as f:
            for name, _ in runners[1:]:
                t = statistics.median(times[name])
                target = "0.80" if name.startswith("floor") else "-"
                f.write("bulk ingest\t%.0f\treports/s\t%s\t%.0f\t%s\t%.0f\t%s\n" % (
                    ours, name, args.count / t, target, rss[runners[0][0]] * 1024,
                    "%d mails, median of %d rounds" % (args.count, args.rounds)))
            if len(runners) == 1:
                f.write("bulk ingest\t%.0f\treports/s\t-\t-\t-\t%.0f\t%s\n" % (
                    ours, rss[runners[0][0]] * 1024, "%d mails" % args.count))


if __name__ == "__main__":
    main()
