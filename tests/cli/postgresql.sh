#!/bin/sh
# postgresql.sh - the daemon and the commands on a PostgreSQL store, as an
# operator runs them: a throwaway PostgreSQL 15 cluster; tlsrptd run with
# database = postgresql://... taking a report by SMTP (swaks) and one by
# HTTP (curl), quarantining a mail that is not a report, every row naming
# its instance; query, the dashboard and prune on the same database; the
# same reports ingested into SQLite give the same answers; the database
# stopped under the daemon: 451 and /healthz 503, then, once it is back,
# the report stored and /healthz 200; and the Grafana dashboard's
# PostgreSQL panels run on it.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"
. "$TOP/tests/pg/lib.sh"

need swaks curl psql python3 sqlite3

tlog="$T/tlsrptd.log"
tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start
sport=$(free_port)
hport=$(free_port)
mport=$(free_port)
dport=$(free_port)
cat > "$T/tlsrptd.conf" <<EOF
database = $pg_uri
instance_name = mx1.test
log = $tlog
rua = tlsrpt@tlsrpt.test
# the test's mails are not signed: DKIM has its own tests
dkim = off
milter_socket = none
smtp_listen = 127.0.0.1:$sport
http_listen = 127.0.0.1:$hport
metrics_listen = 127.0.0.1:$mport
dashboard_listen = 127.0.0.1:$dport
dashboard_query_timeout = $dash_query_s
EOF
daemon_start -c "$T/tlsrptd.conf"
check_eq "libpq loaded for a PostgreSQL store" yes \
    "$(grep -q libpq "/proc/$tpid/maps" && echo yes || echo no)"
check_grep "the log names the store, without a password" "\"database\":\"$pg_uri\"" "$tlog"

# --- a report by SMTP, one by HTTP, a mail that is not a report ----------------
report_mail pg-smtp-1 > "$T/r1.eml"
swaks_send "$sport" "$T/r1.eml" tlsrpt@tlsrpt.test
check_eq "SMTP report: 250" 0 "$rc"
sed 's/5065427c-23d3-47ca-b6e0-946ea0e8c4be/pg-http-1/' \
    "$TOP/tests/corpus/parsedmarc__rfc8460.json" > "$T/r2.json"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/tlsrpt+json' \
    --data-binary @"$T/r2.json" "http://127.0.0.1:$hport/tlsrpt") || code=000
check_eq "HTTP report: 201 or 200" yes "$(case $code in 200|201|202) echo yes;; *) echo "no ($code)";; esac)"
human_mail "a question" > "$T/h.eml"
swaks_send "$sport" "$T/h.eml" tlsrpt@tlsrpt.test
check_eq "a mail that is no report: accepted into the quarantine" 0 "$rc"
report_mail pg-smtp-1 > "$T/r1again.eml"
swaks_send "$sport" "$T/r1again.eml" tlsrpt@tlsrpt.test
check_eq "the same report again: 250 (a duplicate)" 0 "$rc"

check_eq "reports in PostgreSQL" 2 "$(pg_sql 'SELECT count(*) FROM reports')"
check_eq "quarantine in PostgreSQL" 1 "$(pg_sql 'SELECT count(*) FROM quarantine')"
check_eq "every row names the instance" "mx1.test" \
    "$(pg_sql 'SELECT DISTINCT instance_name FROM reports UNION SELECT instance_name FROM quarantine')"
check_eq "schema version" 7 \
    "$(pg_sql "SELECT value FROM tlsrptd_meta WHERE key = 'schema_version'")"

# --- query, on the daemon's database while it runs ------------------------------
"$TLSRPTD" query --db "$pg_uri" --format json reports > "$T/q.reports" 2>&1
check_eq "query reports: both" 2 "$(grep -o '"report_id"' "$T/q.reports" | wc -l)"
"$TLSRPTD" query --db "$pg_uri" --format json quarantine > "$T/q.quar" 2>&1
check_grep "query quarantine: the reason" "no-report-part" "$T/q.quar"

# --- the dashboard the daemon serves from PostgreSQL ------------------------------
code=$(curl -s -o "$T/dash.html" -w '%{http_code}' "http://127.0.0.1:$dport/reports") || code=000
check_eq "dashboard /reports: 200" 200 "$code"
check_grep "dashboard /reports: the SMTP report" "pg-smtp-1" "$T/dash.html"
check_grep "dashboard /reports: the HTTP report" "pg-http-1" "$T/dash.html"

# --- health, and the database going away under the daemon -----------------------
code=$(curl -s -o "$T/h" -w '%{http_code}' "http://127.0.0.1:$mport/healthz") || code=000
check_eq "/healthz with the database up" 200 "$code"
sh "$TOP/tests/pg/cluster.sh" crash "$pg_dir" > /dev/null 2>&1
report_mail pg-smtp-2 > "$T/r3.eml"
swaks_send "$sport" "$T/r3.eml" tlsrpt@tlsrpt.test
check_eq "database down: a temporary failure" 4 "$(echo "$reply" | cut -c1)"
code=$(curl -s -o "$T/h" -w '%{http_code}' "http://127.0.0.1:$mport/healthz") || code=000
check_eq "/healthz with the database down" 503 "$code"
check_grep "/healthz says why" "store unreachable" "$T/h"
sh "$TOP/tests/pg/cluster.sh" up "$pg_dir" > /dev/null 2>&1
# as a sending MTA does: try again until it is taken (the reconnection
# waits 1 s, then 2 s, ...: a bound against hanging, not a timing check)
i=0
while :; do
	swaks_send "$sport" "$T/r3.eml" tlsrpt@tlsrpt.test
	[ "$rc" -ne 0 ] || break
	i=$((i + 1))
	[ $i -lt 60 ] || break
	sleep 1
done
check_eq "database back: the report is taken" 0 "$rc"
check_eq "and stored once" 1 "$(pg_sql "SELECT count(*) FROM reports WHERE report_id = 'pg-smtp-2'")"
code=$(curl -s -o "$T/h" -w '%{http_code}' "http://127.0.0.1:$mport/healthz") || code=000
check_eq "/healthz once it is back" 200 "$code"
daemon_stop

# --- the same reports in SQLite: the same answers -------------------------------
"$TLSRPTD" ingest --quiet --db "$T/s.db" "$T/r1.eml" "$T/r2.json" "$T/h.eml" \
    "$T/r1again.eml" "$T/r3.eml" > /dev/null 2>&1 || true
for a in "summary" "summary --by day" "failures" "failures --by type" \
    "senders" "reports"; do
	# shellcheck disable=SC2086
	"$TLSRPTD" query --db "$T/s.db" --format csv $a 2>&1 |
	    cut -d, -f2- > "$T/a.sqlite"
	# shellcheck disable=SC2086
	"$TLSRPTD" query --db "$pg_uri" --format csv $a 2>&1 |
	    cut -d, -f2- > "$T/a.pg"
	if cmp -s "$T/a.sqlite" "$T/a.pg"; then ok; else
		fail "query $a: PostgreSQL and SQLite differ:"
		diff "$T/a.sqlite" "$T/a.pg" | head >&2
	fi
done

# --- the Grafana dashboard's PostgreSQL panels run on this database --------------
python3 - "$TOP/contrib/grafana/tlsrptd.json" > "$T/panels.sql" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("rawSql"), str):
            yield o["rawSql"]
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
for o in d.get("templating", {}).get("list", []):
    if isinstance(o.get("query"), str) and o.get("type") == "query" and "SELECT" in o["query"]:
        print(o["query"] + ";")
for q in walk(d["panels"]):
    q = q.replace("$__timeFrom()", "'2016-01-01T00:00:00Z'::timestamptz")
    q = q.replace("$__timeTo()", "'2030-01-01T00:00:00Z'::timestamptz")
    q = q.replace("$pgdomain", "'company-y.example'")
    print(q + ";")
PY
check_eq "Grafana: PostgreSQL panels found" yes \
    "$([ "$(grep -c ';$' "$T/panels.sql")" -ge 5 ] && echo yes || echo no)"
if psql -X -q -At -v ON_ERROR_STOP=1 -d "$pg_uri" -f "$T/panels.sql" > "$T/panels.out" 2>&1; then
	ok
else
	fail "Grafana panels' SQL fails on the store:"
	tail -5 "$T/panels.out" >&2
fi
check_grep "Grafana: the domain's daily failure rate" "company-y.example" "$T/panels.out"

# --- a password from database_password_file ------------------------------------
# a role of its own that must give a password (scram-sha-256), in a
# database of its own
pg_sql "CREATE ROLE pwuser LOGIN PASSWORD 'correct horse battery'" > /dev/null
pg_sql "CREATE DATABASE pwdb OWNER pwuser" > /dev/null
printf 'local all pwuser scram-sha-256\nlocal all all trust\n' > "$pg_dir/data/pg_hba.conf"
chmod 0644 "$pg_dir/data/pg_hba.conf"
pg_sql "SELECT pg_reload_conf()" > /dev/null
pw_uri="postgresql://pwuser@/pwdb?host=$pg_dir"
printf 'correct horse battery\n' > "$T/pw"
printf 'wrong horse\n' > "$T/pw.bad"
pw_conf() {
	printf 'database = %s\ndatabase_password_file = %s\ndkim = off\nrua = tlsrpt@tlsrpt.test\n' \
	    "$pw_uri" "$1" > "$T/pw.conf"
}
pw_conf "$T/pw"
rc=0
"$TLSRPTD" ingest --quiet -c "$T/pw.conf" "$T/r1.eml" > "$T/pw.out" 2>&1 || rc=$?
check_eq "password file: ingest exits 0" 0 "$rc"
check_eq "password file: the report is stored" 1 \
    "$(psql -X -q -At -d "host=$pg_dir dbname=pwdb user=tlsrptd" -c 'SELECT count(*) FROM reports')"
pw_conf "$T/pw.bad"
rc=0
"$TLSRPTD" ingest --quiet -c "$T/pw.conf" "$T/r1.eml" > "$T/pw.out" 2>&1 || rc=$?
check_eq "a wrong password: refused (74)" 74 "$rc"
check_grep "a wrong password: says so" "password authentication failed" "$T/pw.out"
check_eq "the password is never shown" 0 "$(grep -c 'horse' "$T/pw.out" || true)"

# --- prune on the shared database -----------------------------------------------
rc=0
"$TLSRPTD" prune --db "$pg_uri" --retention-days 1 > "$T/prune.out" 2>&1 || rc=$?
check_eq "prune: exit 0" 0 "$rc"
check_eq "prune: the 2016 reports are gone" 0 "$(pg_sql 'SELECT count(*) FROM reports')"

daemon_finish
