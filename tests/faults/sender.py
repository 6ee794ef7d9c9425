#!/usr/bin/env python3
"""A retrying SMTP sender of unique TLS report mails, for the fault tests.

  sender.py --port P --first N0 --count N [--workers W] [--seed S]
            --log FILE [--expect FILE] [--deadline SECONDS] [--until FILE]

Makes N report mails (indices N0 .. N0+N-1) with bench/gen_reports.py, each
with its own organization + report-id and known per-policy counts, and
sends them to 127.0.0.1:P with W concurrent clients, one SMTP session per
attempt. It behaves like a sending MTA: a message is done once it gets 250
after DATA; a 4xx at any step, a refused or dropped connection or a timeout
is retried after a short random pause; a 5xx is final (a failure here).

Every attempt is appended to --log as one tab-separated line, written
before the next attempt starts:
  result  index  report_id  attempt  code  queue_id  reply
with result acked (250), tempfail (4xx), dropped (no reply) or rejected
(5xx). --expect gets one line per mail: organization, report_id, policies,
successful and failed sessions, failure details.

With --until FILE the load lasts as long as a fault does: once no mail is
due, more are made (indices N0+N, N0+N+1, ...) until FILE exists.

Exit status: 0 every mail acknowledged, 1 some rejected, 3 some still
unacknowledged at the deadline.

--kill-at K --kill-pid PID sends PID a SIGKILL the moment the K-th 250
arrives, before logging it: for the fault tests, the instant an
acknowledgement is out is when a daemon that answers before its commit
would still have the commit to do.
"""
import argparse
import heapq
import os
import random
import re
import signal
import smtplib
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench"))
import gen_reports  # noqa: E402

QUEUED_AS = re.compile(rb"queued as ([0-9A-Za-z]+)")


def make(seed, idx, rcpt):
    """mail bytes and its report for index idx, the same for the same seed"""
    rng = random.Random(seed * 1000003 + idx)
    domain = "d%02d.example.org" % rng.randrange(20)
    return gen_reports.make_mail(rng, idx, domain, rcpt)


def expected_line(report):
    pols = report["policies"]
    return "\t".join(str(x) for x in (
        report["organization-name"], report["report-id"], len(pols),
        sum(p["summary"]["total-successful-session-count"] for p in pols),
        sum(p["summary"]["total-failure-session-count"] for p in pols),
        sum(len(p.get("failure-details", [])) for p in pols)))


class Sender:
    def __init__(self, args):
        self.args = args
        self.mails = {}				# index -> (bytes, report_id)
        self.lock = threading.Lock()
        self.heap = []
        self.left = 0
        self.next_idx = args.first
        self.expect = open(args.expect, "a") if args.expect else None
        for _ in range(args.count):
            self.add()
        self.rejected = 0
        self.tally = {"acked": 0, "tempfail": 0, "dropped": 0, "rejected": 0}
        self.log = open(args.log, "a", buffering=1)
        self.rng = random.Random(args.seed)
        self.stop_at = time.monotonic() + args.deadline

    def add(self):
        """make the next mail and queue it; under the lock"""
        idx = self.next_idx
        self.next_idx += 1
        data, report = make(self.args.seed, idx, self.args.rcpt)
        self.mails[idx] = (data, report["report-id"])
        if self.expect:
            self.expect.write(expected_line(report) + "\n")
            self.expect.flush()
        heapq.heappush(self.heap, (0.0, idx, 1))
        self.left += 1

    def more(self):
        """whether --until asks for more load"""
        return self.args.until and not os.path.exists(self.args.until)

    def record(self, result, idx, attempt, code, qid, text):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) \
            else str(text)
        text = " ".join(text.split())[:200]
        with self.lock:
            self.tally[result] += 1
            if result == "acked" and self.tally["acked"] == \
                    self.args.kill_at and self.args.kill_pid:
                try:
                    os.kill(self.args.kill_pid, signal.SIGKILL)
                except OSError:
                    pass
            self.log.write("%s\t%d\t%s\t%d\t%d\t%s\t%s\n" % (
                result, idx, self.mails[idx][1], attempt, code, qid or "-",
                text))
            self.log.flush()

    def attempt(self, idx, n):
        """one SMTP session for one mail: (result, code, queue_id, text)"""
        data, _ = self.mails[idx]
        s = smtplib.SMTP(timeout=self.args.timeout)
        try:
            code, msg = s.connect("127.0.0.1", self.args.port)
            if code != 220:
                return code, None, msg
            for step in (lambda: s.ehlo("sender.example"),
                         lambda: s.mail("reports@sender.example"),
                         lambda: s.rcpt(self.args.rcpt)):
                code, msg = step()
                if code >= 400:
                    return code, None, msg
            code, msg = s.data(data)
            m = QUEUED_AS.search(msg or b"")
            return code, m.group(1).decode() if m else None, msg
        finally:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                s.close()

    def next_job(self):
        """the next mail due, None when all are done or time is up"""
        while True:
            with self.lock:
                if time.monotonic() > self.stop_at:
                    return None
                ready = self.heap and self.heap[0][0] <= time.monotonic()
                if not ready and self.more():
                    self.add()
                    ready = True
                if self.left == 0:
                    return None
                if ready:
                    return heapq.heappop(self.heap)
                wait = self.heap[0][0] - time.monotonic() if self.heap \
                    else 0.05
            time.sleep(min(max(wait, 0.005), 0.05))

    def worker(self):
        while True:
            job = self.next_job()
            if job is None:
                return
            _, idx, n = job
            try:
                code, qid, text = self.attempt(idx, n)
            except smtplib.SMTPResponseException as e:
                code, qid, text = e.smtp_code, None, e.smtp_error
            except (smtplib.SMTPException, OSError) as e:
                code, qid, text = 0, None, "%s: %s" % (type(e).__name__, e)
            if code == 250:
                self.record("acked", idx, n, code, qid, text)
            elif 500 <= code < 600:
                self.record("rejected", idx, n, code, qid, text)
            else:
                self.record("tempfail" if code else "dropped", idx, n,
                            code, qid, text)
                with self.lock:
                    due = time.monotonic() + self.rng.uniform(
                        self.args.retry_min, self.args.retry_max)
                    heapq.heappush(self.heap, (due, idx, n + 1))
                continue
            with self.lock:
                self.left -= 1
                if code != 250:
                    self.rejected += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=8460)
    ap.add_argument("--rcpt", default="tlsrpt@tlsrpt.test")
    ap.add_argument("--log", required=True)
    ap.add_argument("--expect")
    ap.add_argument("--deadline", type=float, default=300)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--retry-min", type=float, default=0.05)
    ap.add_argument("--retry-max", type=float, default=0.3)
    ap.add_argument("--until")
    ap.add_argument("--kill-at", type=int, default=0)
    ap.add_argument("--kill-pid", type=int, default=0)
    args = ap.parse_args()

    socket.setdefaulttimeout(args.timeout)
    s = Sender(args)
    threads = [threading.Thread(target=s.worker, daemon=True)
               for _ in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t = s.tally
    print("sender: %d of %d acknowledged; %d tempfail, %d dropped, "
          "%d rejected replies on the way" % (
              t["acked"], len(s.mails), t["tempfail"], t["dropped"],
              t["rejected"]))
    if s.rejected:
        return 1
    if s.left:
        print("sender: %d mails still unacknowledged after %.0f s" % (
            s.left, args.deadline), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
