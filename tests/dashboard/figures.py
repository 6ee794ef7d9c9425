#!/usr/bin/env python3
"""figures.py - compare the figures of a dashboard page with tlsrptd query's JSON.

usage: figures.py MODE HTMLFILE JSONFILE [ARG]

The page's tables carry data-col attributes named like the query's JSON
keys; each MODE says which table (or cards) to read and which keys must
be equal, row by row, in the same order. Prints one line per difference
and exits 1 when there is any.
"""
import html.parser
import json
import sys


class Tables(html.parser.HTMLParser):
    """Rows of every <table id=...> as lists of {data-col: text}, and the
    text of every element with an id (the cards)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = {}
        self.ids = {}
        self.table = None
        self.row = None
        self.col = None
        self.text = []
        self.idstack = []
        self.record = {}
        self.dd = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self.table = self.tables.setdefault(a["id"], [])
        elif tag == "tr" and self.table is not None:
            self.row = {}
        elif tag == "td" and self.row is not None and "data-col" in a:
            self.col = a["data-col"]
            self.text = []
        elif tag == "dd" and "data-col" in a:
            self.dd = a["data-col"]
            self.text = []
        if "id" in a and tag not in ("table", "svg"):
            self.idstack.append((tag, a["id"], []))

    def handle_endtag(self, tag):
        if tag == "td" and self.col is not None:
            self.row[self.col] = "".join(self.text).strip()
            self.col = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "dd" and self.dd is not None:
            self.record[self.dd] = "".join(self.text).strip()
            self.dd = None
        if self.idstack and self.idstack[-1][0] == tag:
            t, i, txt = self.idstack.pop()
            self.ids[i] = "".join(txt).strip()

    def handle_data(self, data):
        if self.col is not None or self.dd is not None:
            self.text.append(data)
        for _, _, txt in self.idstack:
            txt.append(data)


def shown(v, key):
    """A JSON value as the dashboard shows it."""
    if v is None:
        return "-"
    if key in ("failure_rate",):
        return "%.2f%%" % (100 * v)
    if isinstance(v, str):
        # the page shows each control character (and each bidi
        # embedding, override or isolate) as one U+FFFD
        return "".join("\ufffd" if (ord(c) < 0x20 and c not in "\t\n") or
                       0x7f <= ord(c) <= 0x9f or
                       0x202a <= ord(c) <= 0x202e or
                       0x2066 <= ord(c) <= 0x2069 else c for c in v).strip()
    return str(v)


def compare(rows, want, keys, what):
    bad = 0
    if len(rows) != len(want):
        print("%s: %d rows on the page, %d from tlsrptd query"
              % (what, len(rows), len(want)))
        return 1
    for i, (r, w) in enumerate(zip(rows, want)):
        for k in keys:
            page = r.get(k)
            cli = shown(w.get(k), k)
            if page != cli:
                print("%s row %d %s: page [%s], query [%s]"
                      % (what, i, k, page, cli))
                bad += 1
    return bad


MODES = {
    # mode: (table id, keys compared)
    "overview": ("domains", ["domain", "sessions", "failed", "failure_rate",
                             "reports", "organizations", "last_day"]),
    "by-type": ("by-type", ["result_type", "failed", "reports", "first_day",
                            "last_day", "meaning", "fix"]),
    "by-mx": ("by-mx", ["receiving_mx", "failed", "reports", "first_day",
                        "last_day"]),
    "by-ip": ("by-ip", ["sending_ip", "failed", "reports", "first_day",
                        "last_day"]),
    "by-org": ("by-org", ["organization", "failed", "reports", "first_day",
                          "last_day"]),
    "senders": ("senders", ["organization", "reports", "days", "domains",
                            "sessions", "failed", "failure_rate",
                            "first_day", "last_day"]),
    "domain-senders": ("senders", ["organization", "reports", "days",
                                   "sessions", "failed", "failure_rate",
                                   "first_day", "last_day"]),
    "reports": ("reports", ["id", "organization", "report_id", "start", "end",
                            "domains", "sessions", "failed", "notes"]),
    "quarantine": ("messages", ["id", "received_at", "way_in", "from",
                                "reason_class", "reason", "bytes"]),
}


def main():
    mode, page, cli = sys.argv[1], sys.argv[2], sys.argv[3]
    p = Tables()
    with open(page, encoding="utf-8") as f:
        p.feed(f.read())
    with open(cli, encoding="utf-8") as f:
        want = json.load(f)
    if mode == "cards":
        # the domain page's headline figures against summary --domain
        w = want[0]
        bad = 0
        for k in ("sessions", "failed", "failure_rate", "reports",
                  "organizations", "first_day", "last_day"):
            if p.ids.get(k) != shown(w[k], k):
                print("cards %s: page [%s], query [%s]"
                      % (k, p.ids.get(k), shown(w[k], k)))
                bad += 1
    elif mode == "report":
        # one report against reports show ID: the record, policies, details
        bad = 0
        for k in ("id", "organization", "report_id", "start", "end",
                  "contact_info", "sessions", "failed", "way_in", "source"):
            if p.record.get(k) != shown(want.get(k), k):
                print("report %s: page [%s], query [%s]"
                      % (k, p.record.get(k), shown(want.get(k), k)))
                bad += 1
        bad += compare(p.tables.get("policies", []), want["policies"],
                       ["policy", "policy_type", "domain", "counted",
                        "successful", "failed"], "policies")
        bad += compare(p.tables.get("failures", []), want["failure_details"],
                       ["policy", "failed", "receiving_mx", "receiving_ip",
                        "sending_ip"], "failures")
    else:
        table, keys = MODES[mode]
        bad = compare(p.tables.get(table, []), want, keys, mode)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
