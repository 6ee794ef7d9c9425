#!/usr/bin/env python3
"""Send every mail of a directory over SMTP with several sessions at once.

  smtp_send.py HOST PORT SESSIONS RCPT DIR

One connection per session, many messages per connection (MAIL, RCPT, DATA
pipelined when the server offers PIPELINING). Prints "messages seconds" and
exits non-zero if any message was not answered 250.
"""
import os
import socket
import sys
import threading
import time


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise OSError("connection closed")
        if len(line) < 4 or line[3:4] != b"-":
            return line


def stuffed(data):
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    lines = data.split(b"\r\n")
    return b"\r\n".join(b"." + l if l.startswith(b".") else l
                        for l in lines) + b".\r\n"


def worker(host, port, rcpt, files, lock, errors):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO bench.test\r\n")
    reply(f)
    env = b"MAIL FROM:<reports@sender.example>\r\nRCPT TO:<%s>\r\nDATA\r\n" % rcpt
    while True:
        with lock:
            if not files:
                break
            path = files.pop()
        with open(path, "rb") as fh:
            data = stuffed(fh.read())
        s.sendall(env)
        r = [reply(f), reply(f), reply(f)]
        s.sendall(data)
        r.append(reply(f))
        if not all(x[:1] in (b"2", b"3") for x in r):
            with lock:
                errors.append((path, r))
    s.sendall(b"QUIT\r\n")
    s.close()


def main():
    host, port, sessions, rcpt, d = sys.argv[1:6]
    files = sorted(os.path.join(d, n) for n in os.listdir(d))
    n = len(files)
    lock = threading.Lock()
    errors = []
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(host, int(port),
               rcpt.encode(), files, lock, errors)) for _ in range(int(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    print("%d %.3f" % (n, dt))
    if errors:
        sys.stderr.write("%d messages not accepted, first: %r\n" % (len(errors), errors[0]))
        sys.exit(1)


if __name__ == "__main__":
    main()
