#!/usr/bin/env python3
"""browser.py - checks on what headless Chromium left behind.

usage: browser.py netlog NETLOG.json ORIGIN
       browser.py png SCREENSHOT.png

netlog: every request a page started (its initiator is an origin) went to
ORIGIN, and there was at least one (the stylesheet); the browser's own
background requests (initiator "not an origin") are not the page's.
png: the screenshot is a real picture, not a blank page: at least 8
colours, and at least 2% of the pixels differ from the most common one.
"""
import collections
import json
import struct
import sys
import zlib


def netlog(path, origin):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # a net log cut off by the browser's exit lacks its closing brackets
    try:
        d = json.loads(text)
    except json.JSONDecodeError:
        d = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    ours, bad = 0, []
    for e in d["events"]:
        if names.get(e["type"]) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params", {})
        init, url = p.get("initiator"), p.get("url", "")
        if init is None or init == "not an origin":
            continue
        if url == origin or url.startswith(origin + "/"):
            ours += 1
        else:
            bad.append("%s (from %s)" % (url, init))
    for b in bad:
        print("request left the dashboard: " + b)
    if ours == 0:
        print("no request from the page to %s at all" % origin)
    return 0 if ours and not bad else 1


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        print("%s: not a PNG" % path)
        return 1
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        print("%s: unexpected PNG type %d/%d" % (path, depth, ctype))
        return 1
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = collections.Counter()
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                line[x] = (line[x] + paeth(a, b, c)) & 255
        # every 4th pixel of every 4th line is enough to tell blank from not
        if y % 4 == 0:
            for x in range(0, w, 4):
                colours[bytes(line[x * bpp:x * bpp + 3])] += 1
        prev = line
    total = sum(colours.values())
    common = colours.most_common(1)[0][1]
    if len(colours) < 8 or total - common < total * 0.02:
        print("%s: looks blank (%d colours, %.1f%% not background)"
              % (path, len(colours), 100.0 * (total - common) / total))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "netlog":
        sys.exit(netlog(sys.argv[2], sys.argv[3]))
    sys.exit(png(sys.argv[2]))
