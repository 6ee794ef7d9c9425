#!/usr/bin/env python3
"""Misbehaving and heavy SMTP clients, for the fault tests.

  clients.py abort --port P --clients N --size BYTES --log FILE
  clients.py slow  --port P --clients N --ready FILE --release FILE
                   --log FILE [--first IDX] [--expect FILE]
  clients.py big   --port P --clients N --size BYTES --log FILE
                   [--first IDX] [--expect FILE]
  clients.py slowbig  --port P --clients N --size BYTES --log FILE
  clients.py dotreset --port P --clients N --size BYTES --log FILE
                   --release FILE
  clients.py loris --port P --clients N --sources A,B,.. --log FILE
                   --release FILE

All N clients run at once, each in its own SMTP session to 127.0.0.1:P.

abort: MAIL, RCPT to a rua address, DATA, a report mail's header and BYTES
of body, then the connection is reset (SO_LINGER 0) before the final dot.
slow: a report mail whose header trickles in, one line every 0.3 s; each
client appends a line to --ready once in DATA, and sends the rest of its
mail when the file --release exists (at the latest after 240 s).
big: report mails padded with a text part to BYTES each.
slowbig: such a mail's DATA sent in 64 KiB pieces, one every 0.25 s, until
it is all sent or the server ends the session.
dotreset: until --release exists (once at least), each client sends
BYTES mails whole,
final dot included, and resets the connection at once, without waiting
for the reply (a 4xx before DATA is noted and tried again).
loris: N sessions spread over the --sources addresses, each sending "EHLO"
a byte every 5 s; a session the server closes is opened again, until
--release exists.

--log gets sender.py's lines (result, index, report_id, attempt, code,
queue_id, reply), --expect the expected counts of each report sent whole.
Exit status 0 unless a client failed in a way its mode does not expect
(a refused step before DATA, a connection lost before the end).
"""
import argparse
import os
import re
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sender  # noqa: E402

BOUNDARY = re.compile(rb'boundary="([^"]+)"')


class Session:
    """one SMTP session over a plain socket, replies read whole"""

    def __init__(self, port, timeout=300):
        self.s = socket.create_connection(("127.0.0.1", port), timeout)
        self.f = self.s.makefile("rb")

    def reply(self):
        lines = []
        while True:
            line = self.f.readline(4096)
            if not line:
                raise ConnectionError("connection closed by the server")
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                break
        return int(lines[-1][:3]), " ".join(x[4:] for x in lines)

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\r\n")
        return self.reply()

    def envelope(self, rcpt):
        """greeting to 354; raises on any other reply"""
        for step, want in ((None, 220), ("EHLO clients.example", 250),
                           ("MAIL FROM:<reports@sender.example>", 250),
                           ("RCPT TO:<%s>" % rcpt, 250), ("DATA", 354)):
            code, text = self.reply() if step is None else self.cmd(step)
            if code != want:
                raise RuntimeError("%s: %d %s" % (step or "greeting", code,
                                                  text))

    def reset(self):
        """drop the connection with a TCP reset"""
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, 0))
        self.s.close()

    def close(self):
        try:
            self.cmd("QUIT")
        except (OSError, ConnectionError):
            pass
        self.s.close()


def stuffed(data):
    """CRLF lines, dot-stuffed, ending in CRLF"""
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return re.sub(rb"(?m)^\.", b"..", data)


def padded(mail, size):
    """the mail with a text part that brings it to about size bytes"""
    b = BOUNDARY.search(mail).group(1)
    line = b"padding " + b"x" * 66 + b"\r\n"
    n = max(0, (size - len(mail)) // len(line))
    part = (b"--" + b + b"\r\nContent-Type: text/plain\r\n\r\n" + line * n)
    end = b"--" + b + b"--"
    i = mail.rindex(end)
    return mail[:i] + part + mail[i:]


class Run:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)
        self.bad = 0

    def record(self, result, idx, rid, code, text):
        m = sender.QUEUED_AS.search(text.encode())
        with self.lock:
            self.log.write("%s\t%d\t%s\t1\t%d\t%s\t%s\n" % (
                result, idx, rid, code, m.group(1).decode() if m else "-",
                " ".join(text.split())[:200]))

    def failed(self, idx, why):
        with self.lock:
            self.bad += 1
        print("clients: %d: %s" % (idx, why), file=sys.stderr)

    def mail(self, idx):
        data, report = sender.make(self.args.seed, idx, self.args.rcpt)
        if self.args.expect and self.args.mode != "abort":
            with self.lock, open(self.args.expect, "a") as f:
                f.write(sender.expected_line(report) + "\n")
        return data, report["report-id"]

    def finish(self, sess, idx, rid, body):
        sess.s.sendall(body + b".\r\n")
        code, text = sess.reply()
        result = ("acked" if code == 250 else "rejected" if code >= 500
                  else "tempfail")
        self.record(result, idx, rid, code, text)
        sess.close()

    def abort(self, idx):
        data, rid = self.mail(idx)
        sess = Session(self.args.port)
        sess.envelope(self.args.rcpt)
        sess.s.sendall(stuffed(padded(data, self.args.size)))
        self.record("aborted", idx, rid, 0, "reset in DATA")
        sess.reset()

    def slow(self, idx):
        data, rid = self.mail(idx)
        body = stuffed(data)
        sess = Session(self.args.port)
        sess.envelope(self.args.rcpt)
        stop = time.monotonic() + 240
        n = 0
        while not os.path.exists(self.args.release) and \
                time.monotonic() < stop:
            sess.s.sendall(b"X-Slow: %d\r\n" % n)
            if n == 0:
                with self.lock, open(self.args.ready, "a") as f:
                    f.write("%d\n" % idx)
            n += 1
            time.sleep(0.3)
        self.finish(sess, idx, rid, body)

    def big(self, idx):
        data, rid = self.mail(idx)
        sess = Session(self.args.port)
        sess.envelope(self.args.rcpt)
        self.finish(sess, idx, rid, stuffed(padded(data, self.args.size)))

    def slowbig(self, idx):
        data, rid = self.mail(idx)
        body = stuffed(padded(data, self.args.size)) + b".\r\n"
        sess = Session(self.args.port)
        try:
            sess.envelope(self.args.rcpt)
        except RuntimeError as e:
            self.record("tempfail", idx, rid, 0, str(e))
            return
        try:
            for off in range(0, len(body), 65536):
                sess.s.sendall(body[off:off + 65536])
                time.sleep(0.25)
            code, text = sess.reply()
        except (OSError, ConnectionError) as e:
            self.record("dropped", idx, rid, 0, str(e))
            return
        self.record("acked" if code == 250 else "tempfail", idx, rid,
                    code, text)

    def dotreset(self, idx):
        data, rid = self.mail(idx)
        body = stuffed(padded(data, self.args.size)) + b".\r\n"
        first = True
        while first or not os.path.exists(self.args.release):
            first = False
            try:
                sess = Session(self.args.port)
                sess.envelope(self.args.rcpt)
            except RuntimeError as e:
                self.record("tempfail", idx, rid, 0, str(e))
                sess.reset()
                time.sleep(0.05)
                continue
            sess.s.sendall(body)
            sess.reset()
            self.record("aborted", idx, rid, 0, "reset after the dot")

    def loris(self, idx):
        src = self.args.sources.split(",")[idx % len(
            self.args.sources.split(","))]
        n = 0
        while not os.path.exists(self.args.release):
            try:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.settimeout(10)
                s.bind((src, 0))
                s.connect(("127.0.0.1", self.args.port))
                n += 1
                for ch in b"EHLO loris.example\r\n" * 100:
                    if os.path.exists(self.args.release):
                        break
                    s.sendall(bytes([ch]))
                    for _ in range(50):
                        if os.path.exists(self.args.release):
                            break
                        time.sleep(0.1)
            except OSError:
                pass
            s.close()
            time.sleep(0.1)
        self.record("aborted", idx, src, 0, "%d sessions" % n)

    def client(self, idx):
        try:
            getattr(self, self.args.mode)(idx)
        except (OSError, ConnectionError, RuntimeError, ValueError) as e:
            self.failed(idx, "%s: %s" % (type(e).__name__, e))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["abort", "slow", "big", "slowbig",
                                     "dotreset", "loris"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--size", type=int, default=1 << 20)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--seed", type=int, default=8460)
    ap.add_argument("--rcpt", default="tlsrpt@tlsrpt.test")
    ap.add_argument("--log", required=True)
    ap.add_argument("--expect")
    ap.add_argument("--ready")
    ap.add_argument("--release")
    ap.add_argument("--sources", default="127.0.0.1")
    args = ap.parse_args()
    if args.mode == "slow" and not (args.ready and args.release):
        ap.error("slow needs --ready and --release")

    run = Run(args)
    threads = [threading.Thread(target=run.client, args=(args.first + i,))
               for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 1 if run.bad else 0


if __name__ == "__main__":
    sys.exit(main())
