#!/bin/sh
# query.sh - tlsrptd query and tlsrptd prune as a user runs them: each
# question in each format, the filters, show, quarantine retry and delete,
# prune and its dry run, errors for a missing or foreign database, and the
# daemon pruning by itself.
. "$(dirname "$0")/lib.sh"

C="$TOP/tests/corpus"
db="$T/q.db"
q() { "$TLSRPTD" query --db "$db" "$@"; }

"$TLSRPTD" ingest --quiet --db "$db" "$C" > /dev/null 2>&1 || true
check_eq "corpus stored" 27 "$(sql "$db" 'SELECT count(*) FROM reports')"

# --- summary -------------------------------------------------------------------
q summary > "$T/s1"
check_eq "summary: header" \
    "domain              sessions  failed  failure_rate  organizations  reports  first_day   last_day" \
    "$(sed -n 1p "$T/s1")"
check_eq "summary: worst first" \
    "xxxxxxxx.xx                3       3       100.00%              1        1  2025-06-14  2025-06-14" \
    "$(sed -n 3p "$T/s1")"
check_eq "summary: example.com" \
    "example.com             4563       8         0.18%              5        9  2020-01-01  2026-05-13" \
    "$(grep '^example.com ' "$T/s1")"
check_eq "summary: one line per domain" 19 "$(wc -l < "$T/s1")"
check_eq "summary csv" \
    "$(printf 'domain,sessions,failed,failure_rate,organizations,reports,first_day,last_day\r\nexample.com,4530,7,0.001545,4,4,2024-01-09,2026-02-08\r')" \
    "$(q summary --format csv --domain EXAMPLE.com. --since 2024-01-01 --until 2026-02-28)"
q summary --format json --domain example.com --until 2024-01-09 > "$T/s2.json"
check_eq "summary json: --until a day includes it" \
    "example.com 2 29 4 2020-01-01 2024-01-09" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r["domain"], len(json.load(open(sys.argv[1]))) + 1, r["sessions"], r["failed"], r["first_day"], r["last_day"])' "$T/s2.json")"
check_eq "summary by day, org filter" \
    "$(printf 'day,domain,sessions,failed,failure_rate,organizations,reports\r\n2024-02-22,example.com,1,1,1,1,1\r')" \
    "$(q summary --by day --org mail.RU --format csv)"
check_eq "summary: RFC 3339 --since" "6" \
    "$(q summary --format csv --domain example.com --since 2026-05-12T01:00:00+02:00 | tail -n +2 | cut -d, -f2)"
check_eq "summary: --days covers nothing this old" "(none)" \
    "$(q summary --days 3 | tail -n 1)"

# --- failures ------------------------------------------------------------------
q failures > "$T/f1"
check_eq "failures: largest first" \
    "starttls-not-supported     mx2.mail.company-y.example        2001:db8:abcd:0013::1  Company-X                 400        2  2016-04-01  2016-04-01" \
    "$(sed -n 3p "$T/f1")"
check_grep "failures: explained" "  certificate-expired: The certificate your MX presents has expired." "$T/f1"
check_grep "failures: the fix" "    Fix: Renew it, reload the mail server, and automate the renewal." "$T/f1"
check_eq "failures by mx csv" \
    "$(printf 'receiving_mx,failed,reports,first_day,last_day\r\nmail.example.com,2,1,2026-02-08,2026-02-08\r')" \
    "$(q failures --by mx --domain example.com --org google --since 2025-01-01 --format csv)"
q failures --format json --by type,org > "$T/f2.json"
check_eq "failures json: explanation per row" \
    "sts-policy-fetch-error Microsoft Corporation 3 The sender could not fetch your MTA-STS policy" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[4]; print(r["result_type"], r["organization"], r["failed"], r["meaning"][:46])' "$T/f2.json")"

# --- reports -------------------------------------------------------------------
check_eq "reports: latest first, limited" \
    "27  Microsoft Corporation  134232617934286362+example.com    2026-05-13T00:00:00Z  2026-05-13T23:59:59Z  example.com         2       0      0" \
    "$(q reports --limit 3 2> "$T/err" | sed -n 3p)"
check_grep "reports: says rows were left out" "only the first 3 rows" "$T/err"
id=$(sql "$db" "SELECT id FROM reports WHERE report_id = '133925885310113267+random.net'")
q reports show "$id" > "$T/r1"
check_grep "show: record" "organization   Microsoft Corporation" "$T/r1"
check_grep "show: policies" "     1  tlsa         random.net  no " "$T/r1"
check_grep "show: notes" "policies[1].policy.policy-string: one JSON-encoded array string, expanded" "$T/r1"
check_grep "show: raw JSON" '"report-id":"133925885310113267+random.net"' "$T/r1"
check_eq "show json" "Microsoft Corporation 2 133925885310113267+random.net" \
    "$(q reports show "$id" --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["organization"], len(r["policies"]), r["raw"]["report-id"])')"
rc=0; q reports show 9999 > /dev/null 2> "$T/err" || rc=$?
check_eq "show: no such report" 66 "$rc"
check_grep "show: says so" "no report with id 9999" "$T/err"
rc=0; q reports show "$id" --format csv > /dev/null 2>&1 || rc=$?
check_eq "show: csv refused" 64 "$rc"

# --- quarantine: list, show, retry, delete ----------------------------------------
# four invalid corpus files share one organization and report-id: one row
check_eq "quarantine: count" 10 "$(q quarantine --format csv | wc -l)"
qid=$(sql "$db" "SELECT id FROM quarantine WHERE source LIKE '%date_error.json'")
q quarantine show "$qid" > "$T/q1"
check_grep "quarantine show: reason" 'reason          date-range.start-datetime: not an RFC 3339 date-time: "April fools"' "$T/q1"
check_grep "quarantine show: message" '"start-datetime": "April fools"' "$T/q1"
q quarantine show "$qid" --raw > "$T/q1.raw"
check_eq "quarantine show --raw: the bytes" "$(sha256sum < "$C/invalid/smtp_tls_reporting__date_error.json")" \
    "$(sha256sum < "$T/q1.raw")"
# a report an older version refused: put straight into the quarantine
rid=$(sql "$db" "SELECT id FROM reports WHERE report_id = '133198585438131172+test.xmox.nl'")
sqlite3 "$db" "PRAGMA foreign_keys = ON; DELETE FROM reports WHERE id = $rid;
  INSERT INTO quarantine (received_at, way_in, source, reason_class, reason, raw, raw_sha256)
  VALUES ('2026-11-01T10:00:00Z', 'milter', 'Q1D', 'schema', 'refused by 0.0.1', readfile('$C/mox__microsoft.eml'), 'x');"
newq=$(sql "$db" "SELECT id FROM quarantine WHERE source = 'Q1D'")
# the corpus mail is not signed for us: DKIM has its own test (dkim.sh)
rc=0; q quarantine retry --dkim off "$newq" "$qid" > "$T/retry" 2>&1 || rc=$?
check_eq "retry: some still quarantined" 1 "$rc"
check_grep "retry: stored" "$newq  stored" "$T/retry"
check_grep "retry: still invalid" "$qid  still-invalid" "$T/retry"
check_eq "retry: stored with its origin" "milter Q1D 2026-11-01T10:00:00Z" \
    "$(sql "$db" "SELECT way_in, source, received_at FROM reports WHERE report_id = '133198585438131172+test.xmox.nl'" | tr '\t' ' ')"
check_eq "retry: left the quarantine" 0 "$(sql "$db" "SELECT count(*) FROM quarantine WHERE source = 'Q1D'")"
rc=0; q quarantine retry --dkim off --all > "$T/retry2" 2>&1 || rc=$?
check_eq "retry --all: status" 1 "$rc"
check_eq "retry --all: every row" 11 "$(wc -l < "$T/retry2")"
q quarantine delete "$qid" > "$T/del"
check_eq "delete" "deleted 1 quarantined message" "$(cat "$T/del")"
rc=0; q quarantine delete "$qid" > /dev/null 2> "$T/err" || rc=$?
check_eq "delete again: status" 1 "$rc"
check_grep "delete again: says so" "no quarantined message with id $qid" "$T/err"
rc=0; q quarantine --domain example.com > /dev/null 2>&1 || rc=$?
check_eq "quarantine --domain refused" 64 "$rc"

# --- errors ------------------------------------------------------------------------
rc=0; "$TLSRPTD" query --db "$T/none.db" summary > /dev/null 2> "$T/err" || rc=$?
check_eq "missing database: status" 66 "$rc"
check_grep "missing database: says so" "$T/none.db: no such database" "$T/err"
check_eq "missing database: not created" no "$([ -e "$T/none.db" ] && echo yes || echo no)"
sqlite3 "$T/foreign.db" 'CREATE TABLE customers(id INTEGER)'
rc=0; "$TLSRPTD" query --db "$T/foreign.db" summary > /dev/null 2> "$T/err" || rc=$?
check_eq "foreign database: status" 74 "$rc"
check_grep "foreign database: says so" "another application" "$T/err"
echo "not a database" > "$T/text.db"
rc=0; "$TLSRPTD" query --db "$T/text.db" reports > /dev/null 2> "$T/err" || rc=$?
check_eq "not SQLite: status" 74 "$rc"
check_grep "not SQLite: says so" "not a SQLite database" "$T/err"
for bad in "summary --format xml" "summary --since yesterday" "summary --by week" \
    "failures --by colour" "summary --days 3 --since 2025-01-01" "bogus" \
    "summary --since 2026-01-02 --until 2026-01-01" "reports show x" "summary extra"; do
	rc=0; q $bad > /dev/null 2>&1 || rc=$?
	check_eq "usage: $bad" 64 "$rc"
done
check_grep "help lists query" "query [--db PATH | -c FILE]" "$("$TLSRPTD" --help > "$T/h"; echo "$T/h")"

# --- prune ---------------------------------------------------------------------------
"$TLSRPTD" prune --db "$db" --retention-days 36500 --quarantine-days 0 > "$T/p0"
check_grep "prune: nothing that recent" '"reports":0' "$T/p0"
days=$(python3 -c 'import datetime; print((datetime.date.today() - datetime.date(2025, 1, 1)).days)')
"$TLSRPTD" prune --db "$db" --retention-days "$days" --dry-run > "$T/p1"
check_grep "dry run counts" '"dry_run":true,"reports":14' "$T/p1"
check_eq "dry run deletes nothing" 27 "$(sql "$db" 'SELECT count(*) FROM reports')"
"$TLSRPTD" prune --db "$db" --retention-days "$days" --step 5 > "$T/p2"
check_grep "prune: removed" '"dry_run":false,"reports":14,"quarantined":0' "$T/p2"
check_eq "prune: what is left ended on or after 2025-01-01" "13 1" \
    "$(sql "$db" "SELECT count(*), min(end_time) >= '2025-01-01' FROM reports" | tr '\t' ' ')"
check_eq "prune: no orphans" 0 \
    "$(sql "$db" 'SELECT count(*) FROM policies WHERE report_ref NOT IN (SELECT id FROM reports)')"
rc=0; "$TLSRPTD" prune --db "$db" > /dev/null 2> "$T/err" || rc=$?
check_eq "prune without retention" 64 "$rc"
rc=0; "$TLSRPTD" prune --db "$T/none.db" --retention-days 1 > /dev/null 2>&1 || rc=$?
check_eq "prune: missing database" 66 "$rc"

# --- the daemon prunes by itself -------------------------------------------------------
cp "$db" "$T/d.db"
sqlite3 "$T/d.db" "UPDATE quarantine SET received_at = '2020-01-01T00:00:00Z'"
write_conf "$T/d.conf" "database = $T/d.db" "log = $T/d.log" \
    "milter_socket = unix:$T/m.sock" "retention_days = 1" \
    "quarantine_retention_days = 1"
"$TLSRPTD" run -c "$T/d.conf" > "$T/d.out" 2>&1 &
dpid=$!
i=0
while [ $i -lt 300 ] && ! grep -q '"event":"pruned"' "$T/d.log" 2> /dev/null; do
	sleep 0.1; i=$((i + 1))
done
kill -TERM "$dpid"; rc=0; wait "$dpid" || rc=$?
check_eq "daemon: clean stop" 0 "$rc"
check_grep "daemon: pruned event" '"event":"pruned","reports":13,"quarantined":8' "$T/d.log"
check_eq "daemon: database emptied" "0 0" \
    "$(sql "$T/d.db" 'SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM quarantine)' | tr '\t' ' ')"

finish
