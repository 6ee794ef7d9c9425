#!/usr/bin/env python3
"""Small SMTP clients for the listener tests, for what swaks cannot do.

  client.py session HOST PORT FROM RCPT FILE...   several messages, one connection
  client.py dribble HOST PORT FROM RCPT FILE DELAY MARK
                                 the whole session one byte at a time
  client.py slowdata HOST PORT FROM RCPT FILE DELAY
                                 commands at once, the message a byte at a time
  client.py hold HOST PORT N SRC STOPFILE
                                 N connections from SRC, held until STOPFILE exists
  client.py halfclose HOST PORT FROM RCPT FILE
                                 the whole session in one write, then
                                 shutdown(SHUT_WR), then read every reply
  client.py flood HOST PORT N STOPFILE
                                 N connections that read nothing, until STOPFILE
  client.py idle HOST PORT       connect, say nothing, print what comes
  client.py inject HOST PORT CAFILE
                                 STARTTLS with a command pipelined behind it
  client.py trickle HOST PORT DELAY TEXT
                                 TEXT (with \\r \\n escapes) a byte every DELAY
                                 seconds, every reply printed, until EOF
  client.py partial HOST PORT FROM RCPT NBYTES STOPFILE
                                 a message of which NBYTES are sent, then held
                                 (STOPFILE.held made) until STOPFILE exists,
                                 then the connection is reset
  client.py tlsstall HOST PORT   STARTTLS, then no ClientHello: waits for EOF

Each prints the server's replies, one per line, and exits 0 unless the
connection itself failed.
"""
import os
import socket
import ssl
import sys
import time


def replies(f):
    """read one (possibly multi-line) reply; returns its lines"""
    lines = []
    while True:
        line = f.readline()
        if not line:
            lines.append("EOF")
            return lines
        line = line.decode("latin-1").rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines


def say(f, s, text):
    s.sendall(text.encode("latin-1"))
    r = replies(f)
    for line in r:
        print(line, flush=True)
    return r[-1]


def message_bytes(path):
    data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    # dot-stuffing
    out = b"\r\n".join(b"." + l if l.startswith(b".") else l
                       for l in data.split(b"\r\n"))
    return out + b".\r\n"


def session(host, port, frm, rcpt, files):
    s = socket.create_connection((host, int(port)), timeout=60)
    f = s.makefile("rb")
    for line in replies(f):
        print(line, flush=True)
    say(f, s, "EHLO client.test\r\n")
    for path in files:
        say(f, s, "MAIL FROM:<%s>\r\n" % frm)
        say(f, s, "RCPT TO:<%s>\r\n" % rcpt)
        say(f, s, "DATA\r\n")
        s.sendall(message_bytes(path))
        for line in replies(f):
            print(line, flush=True)
    say(f, s, "QUIT\r\n")


def dribble(host, port, frm, rcpt, path, delay, mark):
    s = socket.create_connection((host, int(port)), timeout=120)
    f = s.makefile("rb")
    for line in replies(f):
        print(line, flush=True)
    script = [b"EHLO slow.test\r\n", b"MAIL FROM:<%s>\r\n" % frm.encode(),
              b"RCPT TO:<%s>\r\n" % rcpt.encode(), b"DATA\r\n",
              message_bytes(path), b"QUIT\r\n"]
    marked = False
    for chunk in script:
        for i in range(len(chunk)):
            try:
                s.sendall(chunk[i:i + 1])
            except OSError as e:
                print("send failed: %s" % e, flush=True)
                for line in replies(f):
                    print(line, flush=True)
                return
            if not marked:
                open(mark, "w").close()
                marked = True
            time.sleep(float(delay))
        for line in replies(f):
            print(line, flush=True)


def slowdata(host, port, frm, rcpt, path, delay):
    s = socket.create_connection((host, int(port)), timeout=120)
    f = s.makefile("rb")
    for line in replies(f):
        print(line, flush=True)
    say(f, s, "EHLO slow.test\r\n")
    say(f, s, "MAIL FROM:<%s>\r\n" % frm)
    say(f, s, "RCPT TO:<%s>\r\n" % rcpt)
    say(f, s, "DATA\r\n")
    data = message_bytes(path)
    for i in range(len(data)):
        try:
            s.sendall(data[i:i + 1])
        except OSError as e:
            print("send failed: %s" % e, flush=True)
            break
        time.sleep(float(delay))
    for line in replies(f):
        print(line, flush=True)


def hold(host, port, n, src, stopfile):
    conns = []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(30)
        s.bind((src, 0))
        s.connect((host, int(port)))
        f = s.makefile("rb")
        print(replies(f)[0], flush=True)
        conns.append((s, f))
    open(stopfile + ".held", "w").close()
    while not os.path.exists(stopfile):
        time.sleep(0.05)
    for s, f in conns:
        s.close()


def halfclose(host, port, frm, rcpt, path):
    s = socket.create_connection((host, int(port)), timeout=60)
    s.sendall(b"EHLO half.test\r\nMAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n"
              % (frm.encode(), rcpt.encode()) + message_bytes(path) +
              b"QUIT\r\n")
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    sys.stdout.write(out.decode("latin-1").replace("\r\n", "\n"))


def flood(host, port, n, stopfile):
    conns = []
    for _ in range(int(n)):
        conns.append(socket.create_connection((host, int(port)), timeout=30))
    open(stopfile + ".held", "w").close()
    while not os.path.exists(stopfile):
        time.sleep(0.05)
    for s in conns:
        s.close()
    print("%d connections" % len(conns))


def idle(host, port):
    s = socket.create_connection((host, int(port)), timeout=60)
    f = s.makefile("rb")
    while True:
        r = replies(f)
        for line in r:
            print(line, flush=True)
        if r[-1] == "EOF":
            return


def inject(host, port, cafile):
    s = socket.create_connection((host, int(port)), timeout=30)
    f = s.makefile("rb")
    for line in replies(f):
        print(line, flush=True)
    say(f, s, "EHLO client.test\r\n")
    # the NOOP must be thrown away, not answered inside TLS (CVE-2011-0411)
    say(f, s, "STARTTLS\r\nNOOP\r\n")
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    t = ctx.wrap_socket(s, server_hostname="mx.tlsrptd.test")
    print("TLS %s" % t.version(), flush=True)
    g = t.makefile("rb")
    say(g, t, "EHLO client.test\r\n")
    say(g, t, "QUIT\r\n")


def reader(f, done):
    """print every reply line until EOF, then note it"""
    while True:
        r = replies(f)
        for line in r:
            print(line, flush=True)
        if r[-1] == "EOF":
            done.append(True)
            return


def trickle(host, port, delay, text):
    import threading
    s = socket.create_connection((host, int(port)), timeout=60)
    f = s.makefile("rb")
    done = []
    t = threading.Thread(target=reader, args=(f, done), daemon=True)
    t.start()
    data = text.encode("latin-1").decode("unicode_escape").encode("latin-1")
    for i in range(len(data)):
        if done:
            break
        try:
            s.sendall(data[i:i + 1])
        except OSError:
            break
        time.sleep(float(delay))
    t.join(60)


def partial(host, port, frm, rcpt, nbytes, stopfile):
    import struct
    s = socket.create_connection((host, int(port)), timeout=60)
    f = s.makefile("rb")
    for line in replies(f):
        print(line, flush=True)
    say(f, s, "EHLO partial.test\r\n")
    say(f, s, "MAIL FROM:<%s>\r\n" % frm)
    say(f, s, "RCPT TO:<%s>\r\n" % rcpt)
    if say(f, s, "DATA\r\n")[:3] != "354":
        return
    line = b"x" * 998 + b"\r\n"
    left = int(nbytes)
    while left > 0:
        s.sendall(line[:min(left, len(line))])
        left -= len(line)
    open(stopfile + ".held", "w").close()
    while not os.path.exists(stopfile):
        time.sleep(0.05)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset", flush=True)


def tlsstall(host, port):
    s = socket.create_connection((host, int(port)), timeout=60)
    f = s.makefile("rb")
    for line in replies(f):
        print(line, flush=True)
    say(f, s, "EHLO stall.test\r\n")
    say(f, s, "STARTTLS\r\n")
    print("EOF" if s.recv(1) == b"" else "data", flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "session":
            session(args[0], args[1], args[2], args[3], args[4:])
        elif cmd == "dribble":
            dribble(*args)
        elif cmd == "slowdata":
            slowdata(*args)
        elif cmd == "hold":
            hold(*args)
        elif cmd == "halfclose":
            halfclose(*args)
        elif cmd == "flood":
            flood(*args)
        elif cmd == "idle":
            idle(*args)
        elif cmd == "inject":
            inject(*args)
        elif cmd == "trickle":
            trickle(*args)
        elif cmd == "partial":
            partial(*args)
        elif cmd == "tlsstall":
            tlsstall(*args)
        else:
            sys.exit("unknown command %s" % cmd)
    except (OSError, ssl.SSLError) as e:
        print("error: %s" % e, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
