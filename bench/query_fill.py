#!/usr/bin/env python3
"""Fill a tlsrptd database with N synthetic reports by direct SQL inserts.

  query_fill.py DB N

DB must already hold the tlsrptd schema (any tlsrptd command that opens it
read-write creates it). The reports are shaped like a busy site's: 365 days,
five senders, as many domains as it takes to reach N, one sts policy per
report, Microsoft also reporting the same sessions under tlsa for a quarter
of the domains (the double-count case), and failures with details on one
policy in ten. Everything is computed from the row number, so two fills of
the same N hold the same figures.
"""
import sqlite3
import sys

ORGS = ["Google Inc.", "Microsoft Corporation", "Yahoo", "Mail.Ru", "Comcast"]
DAYS = 365
RESULT_TYPES = ["starttls-not-supported", "certificate-expired",
                "certificate-host-mismatch", "certificate-not-trusted",
                "validation-failure", "sts-policy-fetch-error"]
# A raw report of the usual size, so that the reports table has its real
# weight on disk.
PAD = "x" * 600


def main():
    db, n = sys.argv[1], int(sys.argv[2])
    ndom = max(1, -(-n // (DAYS * len(ORGS))))
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("BEGIN")
    con.execute("CREATE TEMP TABLE orgs (i INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO orgs VALUES (?, ?)", enumerate(ORGS))
    con.execute("CREATE TEMP TABLE rtypes (i INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO rtypes VALUES (?, ?)",
                    enumerate(RESULT_TYPES))
    base = con.execute("SELECT coalesce(max(id), 0) FROM reports").fetchone()[0]
    # k = report number from 0: sender k % 5, domain (k / 5) % ndom, day
    # k / (5 * ndom); h is a cheap hash of k for the counts.
    con.execute("""
        WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq
                                  WHERE k + 1 < :n),
        r AS (SELECT k, k % 5 AS org, (k / 5) % :ndom AS dom,
                     k / (5 * :ndom) AS day FROM seq)
        INSERT INTO reports (id, organization_name, report_id, start_time,
               end_time, way_in, received_at, raw_json)
        SELECT :base + 1 + k, o.name, printf('bench-%d', :base + k),
               strftime('%Y-%m-%dT00:00:00Z', '2025-01-01', printf('+%d days', day)),
               strftime('%Y-%m-%dT23:59:59Z', '2025-01-01', printf('+%d days', day)),
               'file',
               strftime('%Y-%m-%dT06:00:00Z', '2025-01-02', printf('+%d days', day)),
               printf('{"report":%d,"pad":"%s"}', k, :pad)
          FROM r JOIN orgs o ON o.i = r.org""",
                {"n": n, "ndom": ndom, "base": base, "pad": PAD})
    # One sts policy per report; the Microsoft copy under tlsa for every
    # fourth domain; failures on one policy in ten.
    con.execute("""
        INSERT INTO policies (report_ref, position, policy_type,
               policy_domain, successful_sessions, failed_sessions)
        SELECT id, 0, 'sts',
               printf('d%d.example', ((id - 1 - :base) / 5) % :ndom),
               (id * 2654435761) % 5000,
               CASE WHEN (id * 40503) % 10 = 0 THEN 1 + (id * 7919) % 50
                    ELSE 0 END
          FROM reports WHERE id > :base""", {"ndom": ndom, "base": base})
    con.execute("""
        INSERT INTO policies (report_ref, position, policy_type,
               policy_domain, successful_sessions, failed_sessions)
        SELECT report_ref, 1, 'tlsa', policy_domain, successful_sessions,
               failed_sessions
          FROM policies
         WHERE report_ref > :base AND (report_ref - 1 - :base) % 5 = 1
           AND ((report_ref - 1 - :base) / 5) % :ndom % 4 = 0""",
                {"ndom": ndom, "base": base})
    con.execute("""
        INSERT INTO failure_details (policy_ref, result_type,
               result_type_known, sending_mta_ip, receiving_mx_hostname,
               failed_sessions)
        SELECT p.id, t.name, 1, printf('203.0.113.%d', 1 + p.report_ref % 200),
               printf('mx%d.%s', 1 + p.report_ref % 2, p.policy_domain),
               p.failed_sessions
          FROM policies p JOIN rtypes t ON t.i = p.report_ref % 6
         WHERE p.report_ref > :base AND p.failed_sessions > 0""",
                {"base": base})
    # report_domains as the store writes it with each report (since schema
    # version 4 nothing derives it from policies): one row per report, the
    # sts policy counted (the tlsa copy holds the same sessions and comes
    # second by name)
    con.execute("""
        INSERT INTO report_domains (report_ref, policy_domain, policy_type,
               start_time, organization_name, successful_sessions,
               failed_sessions)
        SELECT p.report_ref, p.policy_domain, p.policy_type, r.start_time,
               r.organization_name, p.successful_sessions, p.failed_sessions
          FROM policies p JOIN reports r ON r.id = p.report_ref
         WHERE p.report_ref > :base AND p.position = 0""", {"base": base})
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


if __name__ == "__main__":
    main()
