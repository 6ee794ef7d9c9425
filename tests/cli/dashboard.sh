#!/bin/sh
# dashboard.sh - tlsrptd dashboard and dashboard_listen as a user opens
# them: a database filled by "tlsrptd ingest" of tests/corpus and of
# generated reports (tests/dashboard/gen_reports.py, with one hostile
# report), every page fetched with curl (status, content type, the
# security headers), the figures of each page compared with
# "tlsrptd query ... --format json" on the same database, filters, the
# specific 400s, 404, 405, the connection limit, the download of a
# quarantined message byte for byte, HTTPS, basic authentication against a
# yescrypt hash, and the daemon serving the same pages (and an alert it
# raised) from its own database.
. "$(dirname "$0")/lib.sh"

need curl python3 sqlite3 openssl

C="$TOP/tests/corpus"
FIG="$TOP/tests/dashboard/figures.py"
db="$T/d.db"
# q ARG... - tlsrptd query in JSON (its "only the first N rows" note dropped)
q() { "$TLSRPTD" query --db "$db" --format json "$@" 2> "$T/q.err"; }

# free_port - a loopback TCP port nobody listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

python3 "$TOP/tests/dashboard/gen_reports.py" "$T/gen" 30 > /dev/null
"$TLSRPTD" ingest --quiet --db "$db" "$C" "$T/gen" > /dev/null 2>&1 || true
# every generated report and the corpus's valid ones (their number follows
# the corpus); the checks below compare against it
n0=$(sql "$db" 'SELECT count(*) FROM reports')
ngen=$(find "$T/gen" -type f | wc -l)
check_eq "reports stored: more than the $ngen generated ones" yes \
    "$([ "$n0" -gt "$ngen" ] && echo yes || echo no)"

# listening - how many times a dashboard has said it listens, in $T/dash.all
listening() { grep -c ' on http' "$T/dash.all" || true; }

# dash_start ARG... - tlsrptd dashboard in the background (its output
# appended to $T/dash.all) until it says it listens
dash_start() {
	: >> "$T/dash.all"
	_before=$(listening)
	"$TLSRPTD" dashboard --query-timeout "$dash_query_s" "$@" \
	    >> "$T/dash.all" 2>&1 &
	dpid=$!
	_i=0
	while [ "$(listening)" -le "$_before" ] && [ $_i -lt 300 ]; do
		kill -0 "$dpid" 2> /dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ "$(listening)" -le "$_before" ]; then
		echo "FAIL: tlsrptd dashboard did not come up:" >&2
		cat "$T/dash.all" >&2
		exit 1
	fi
}

# get NAME PATH [CURL ARGS] - fetch $U$PATH into $T/NAME.html with headers
# in $T/NAME.hdr; sets code and ctype
get() {
	_n=$1 _p=$2
	shift 2
	code=$(curl -s -o "$T/$_n.html" -D "$T/$_n.hdr" -w '%{http_code}' \
	    "$@" "$U$_p") || code=000
	ctype=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$T/$_n.hdr" | tr -d '\r')
}

# page NAME PATH - a 200 HTML page with every security header and nothing
# that loads from elsewhere or runs
page() {
	get "$@"
	check_eq "$2: status" 200 "$code"
	check_eq "$2: content type" "text/html; charset=utf-8" "$ctype"
	check_grep "$2: CSP" "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" "$T/$1.hdr"
	check_grep "$2: nosniff" "X-Content-Type-Options: nosniff" "$T/$1.hdr"
	check_eq "$2: no script element" 0 "$(grep -ci '<script' "$T/$1.html" || true)"
	check_eq "$2: no reference to another host" 0 \
	    "$(grep -Eci '(src|href|action)="(https?:)?//' "$T/$1.html" || true)"
}

# figures MODE NAME JSONFILE - the page's table equals the query's JSON
figures() {
	if python3 "$FIG" "$1" "$T/$2.html" "$3" > "$T/fig.out" 2>&1; then ok; else
		fail "figures $1 ($2) differ from tlsrptd query:"
		sed 's/^/  | /' "$T/fig.out" | head -20 >&2
	fi
}

port=$(free_port)
U="http://127.0.0.1:$port"
dash_start --db "$db" --listen "127.0.0.1:$port"
check_grep "dashboard says where" "on http://127.0.0.1:$port/ (read-only" "$T/dash.all"

# --- the overview: every domain, worst first --------------------------------------
# with no range given, the 30 days up to the latest report (2026-11-30)
page ov /
q summary --limit 200 --since 2026-11-01 --until 2026-11-30 > "$T/ov.json"
figures overview ov "$T/ov.json"
check_grep "overview: says which days" "The 30 days up to the latest report: 2026-11-01 to 2026-11-30." "$T/ov.html"
check_eq "overview: a trend sparkline per domain" 3 "$(grep -o 'class="spark"' "$T/ov.html" | wc -l)"
check_eq "overview: each over the 30 days" 3 "$(grep -o '<title>daily failure rate, 30 days with reports' "$T/ov.html" | wc -l)"
page ova "/?since=1970-01-01"
q summary --limit 200 > "$T/ova.json"
figures overview ova "$T/ova.json"
check_eq "overview of every day: worst first" "xxxxxxxx.xx" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["domain"])' "$T/ova.json")"
check_grep "overview: the silent sender" '<td data-col="organization"><a href="/reports?since=2026-11-01&amp;until=2026-11-30&amp;org=Example%20Mail">Example Mail</a></td><td class="n" data-col="days">23</td>' "$T/ov.html"
page ovf "/?since=2026-11-10&until=2026-11-20&type=sts&org=google"
q summary --limit 200 --since 2026-11-10 --until 2026-11-20 --type sts --org google > "$T/ovf.json"
figures overview ovf "$T/ovf.json"
check_grep "overview: the filters stay in the form" 'name="since" value="2026-11-10"' "$T/ovf.html"
check_grep "overview: and in the links" 'href="/domain?since=2026-11-10&amp;until=2026-11-20&amp;org=google&amp;type=sts&amp;domain=example.com"' "$T/ovf.html"

# --- a domain: cards, charts, breakdowns ------------------------------------------
page dom "/domain?domain=example.com"
q summary --domain example.com > "$T/dom.json"
figures cards dom "$T/dom.json"
q failures --by type --domain example.com --limit 25 > "$T/type.json"
figures by-type dom "$T/type.json"
q failures --by mx --domain example.com --limit 25 > "$T/mx.json"
figures by-mx dom "$T/mx.json"
q failures --by ip --domain example.com --limit 25 > "$T/ip.json"
figures by-ip dom "$T/ip.json"
q failures --by org --domain example.com --limit 25 > "$T/org.json"
figures by-org dom "$T/org.json"
q senders --domain example.com --limit 25 > "$T/ds.json"
figures domain-senders dom "$T/ds.json"
check_eq "domain: two charts" 2 "$(grep -o '<svg[^>]*class="chart"' "$T/dom.html" | wc -l)"
check_grep "domain: a day's hover value" "<title>2026-11-16: " "$T/dom.html"
check_grep "domain: failures stacked by result type" '<rect class="bar"' "$T/dom.html"
check_grep "domain: the failure rate line" '<polyline fill="none" stroke="#222222"' "$T/dom.html"
check_grep "domain: the policy change" "mode: testing" "$T/dom.html"
check_grep "domain: policies on a timeline" 'class="chart timeline"' "$T/dom.html"
check_grep "domain: ... the testing period" '<title>2026-11-01 to 2026-11-20, 60 reports: ' "$T/dom.html"
check_grep "domain: ... and the enforce one" '<title>2026-11-21 to 2026-11-30, 23 reports: ' "$T/dom.html"
check_grep "domain: ... and after it" "mode: enforce" "$T/dom.html"
check_grep "domain: what a result type means" "The certificate your MX presents has expired." "$T/dom.html"
page domf "/domain?domain=example.com&since=2026-11-16&until=2026-11-19"
q summary --domain example.com --since 2026-11-16 --until 2026-11-19 > "$T/domf.json"
figures cards domf "$T/domf.json"
check_eq "domain: each chart has the range's 4 days" 8 \
    "$(grep -o 'class="col"' "$T/domf.html" | wc -l)"

# --- hostile strings render as text --------------------------------------------
check_grep "hostile MX escaped" "&lt;/svg&gt;&lt;script&gt;alert(7)&lt;/script&gt;" "$T/dom.html"
check_grep "hostile result type escaped" "&lt;b&gt;bold-type&lt;/b&gt;" "$T/dom.html"
hid=$(sql "$db" "SELECT id FROM reports WHERE report_id LIKE '%svg onload%'")
page hostile "/report?id=$hid"
q reports show "$hid" > "$T/hostile.json"
figures report hostile "$T/hostile.json"
check_grep "hostile org escaped" "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=&quot;alert(2)&#39;&lt;/svg&gt;" "$T/hostile.html"
check_grep "a terminal escape shows as U+FFFD" "$(printf '\357\277\275[31m')" "$T/hostile.html"
check_grep "a right-to-left override shows as U+FFFD" "$(printf '\357\277\275gnp.exe')" "$T/hostile.html"
check_eq "no raw ESC byte on the page" 0 "$(tr -cd '\033' < "$T/hostile.html" | wc -c)"

# --- reports, one report, senders ---------------------------------------------
page rep /reports
q reports --limit 100 > "$T/rep.json"
figures reports rep "$T/rep.json"
page repf "/reports?domain=example.net&type=tlsa&limit=5"
q reports --domain example.net --type tlsa --limit 5 > "$T/repf.json"
figures reports repf "$T/repf.json"
check_grep "reports: says rows were left out" "Only the first 5 rows are shown" "$T/repf.html"
mid=$(sql "$db" "SELECT id FROM reports WHERE report_id = '133925885310113267+random.net'")
page one "/report?id=$mid"
q reports show "$mid" > "$T/one.json"
figures report one "$T/one.json"
check_grep "report: conformance note" "policies[1].policy.policy-string: one JSON-encoded array string, expanded" "$T/one.html"
check_grep "report: raw JSON pretty-printed" '&quot;report-id&quot;: &quot;133925885310113267+random.net&quot;' "$T/one.html"
page snd /senders
q senders --limit 100 --since 2026-11-01 --until 2026-11-30 > "$T/snd.json"
figures senders snd "$T/snd.json"

# --- quarantine and one message -------------------------------------------------
page qua /quarantine
q quarantine --limit 100 > "$T/qua.json"
figures quarantine qua "$T/qua.json"
check_grep "quarantine: grouped by reason" '<table class="data" id="reasons">' "$T/qua.html"
qid=$(sql "$db" "SELECT id FROM quarantine WHERE source LIKE '%date_error.json'")
page msg "/message?id=$qid"
check_grep "message: its reason" 'date-range.start-datetime: not an RFC 3339 date-time: &quot;April fools&quot;' "$T/msg.html"
get raw "/message.eml?id=$qid"
check_eq "download: status" 200 "$code"
check_eq "download: opaque bytes" "application/octet-stream" "$ctype"
check_grep "download: an attachment" "Content-Disposition: attachment; filename=\"quarantine-$qid.eml\"" "$T/raw.hdr"
"$TLSRPTD" query --db "$db" quarantine show "$qid" --raw > "$T/raw.want"
if cmp -s "$T/raw.html" "$T/raw.want"; then ok; else fail "download: not the message's bytes"; fi

# --- the stylesheet, errors ------------------------------------------------------
get css /style.css
check_eq "style.css" "200 text/css; charset=utf-8" "$code $ctype"
get e1 "/?bogus=1"
check_eq "unknown parameter: 400" 400 "$code"
check_grep "unknown parameter: says which" "unknown parameter &quot;bogus&quot;" "$T/e1.html"
check_grep "400: CSP too" "Content-Security-Policy:" "$T/e1.hdr"
get e2 "/?since=2026-02-30"
check_eq "bad day: 400" "400" "$code"
check_grep "bad day: says why" "since: expected a day YYYY-MM-DD" "$T/e2.html"
get e3 "/domain"
check_grep "domain page without a domain" "domain: required" "$T/e3.html"
check_eq "... 400" 400 "$code"
get e4 "/report?id=999999"
check_eq "no such report: 404" 404 "$code"
get e5 "/nowhere"
check_eq "no such page: 404" 404 "$code"
get e6 / -X POST
check_eq "POST: 405" 405 "$code"
check_grep "405: Allow" "Allow: GET, HEAD" "$T/e6.hdr"
get e7 "/?org=$(python3 -c 'print("a" * 3000)')"
check_eq "a query string too long: 414" 414 "$code"
check_eq "HEAD: 200 and no body" "200 0" \
    "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$U/")"
# 64 idle connections: the listener pauses; a new client waits in the
# kernel's queue and is served once they go
python3 - "$port" "$T/idle.ready" > /dev/null 2>&1 <<'EOF2' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
         for _ in range(64)]
open(sys.argv[2], "w").close()
time.sleep(120)
EOF2
idle=$!
_i=0
until [ -f "$T/idle.ready" ] || [ $_i -ge 300 ]; do sleep 0.1; _i=$((_i + 1)); done
wait_for "64 connections open: new ones wait until one ends" "$T/dash.all"
check_grep "connection limit: said once" "dashboard: 64 connections open: new ones wait until one ends" "$T/dash.all"
curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$U/style.css" > "$T/late.code" &
late=$!
kill "$idle"
wait "$idle" 2> /dev/null || true
wait "$late" || true
check_eq "connection limit: the waiting client is served" 200 "$(cat "$T/late.code")"
kill -TERM "$dpid"
rc=0; wait "$dpid" || rc=$?
check_eq "dashboard exit status after SIGTERM" 0 "$rc"

# --- usage errors ------------------------------------------------------------------
rc=0; "$TLSRPTD" dashboard --db "$T/none.db" > /dev/null 2> "$T/err" || rc=$?
check_eq "no such database: 66" 66 "$rc"
check_grep "... says so" "no such database" "$T/err"
rc=0; "$TLSRPTD" dashboard --db "$db" --query-timeout 0 > /dev/null 2> "$T/err" || rc=$?
check_eq "--query-timeout 0: usage error" 64 "$rc"
check_grep "--query-timeout 0: says the range" "seconds from 1 to 600" "$T/err"
rc=0; "$TLSRPTD" dashboard --db "$db" --tls-cert x > /dev/null 2>&1 || rc=$?
check_eq "--tls-cert without --tls-key: 64" 64 "$rc"
rc=0; "$TLSRPTD" dashboard --db "$db" --listen 203.0.113.1:1 > /dev/null 2> "$T/err" || rc=$?
check_eq "an address we cannot bind: 74" 74 "$rc"
check_eq "the database is untouched" "$n0" "$(sql "$db" 'SELECT count(*) FROM reports')"

# --- HTTPS ----------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$T/key.pem" -out "$T/cert.pem" > "$T/openssl.out" 2>&1 ||
    { cat "$T/openssl.out" >&2; exit 1; }
port=$(free_port)
dash_start --db "$db" --listen "127.0.0.1:$port" \
    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
check_grep "HTTPS: says so" "on https://127.0.0.1:$port/" "$T/dash.all"
U="https://localhost:$port"
get tls / --cacert "$T/cert.pem" --resolve "localhost:$port:127.0.0.1"
check_eq "HTTPS: 200" 200 "$code"
check_grep "HTTPS: the overview" '<table class="data" id="domains">' "$T/tls.html"
kill -TERM "$dpid"
rc=0; wait "$dpid" || rc=$?
check_eq "HTTPS dashboard exit status after SIGTERM" 0 "$rc"
if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/dash.all" > /dev/null; then
	fail "sanitizer report from tlsrptd dashboard:"
	cat "$T/dash.all" >&2
fi

# --- basic authentication against crypt(3) hashes ------------------------------------
hash=$(python3 -W ignore -c 'import crypt, random, string
a = "./" + string.digits + string.ascii_uppercase + string.ascii_lowercase
print(crypt.crypt("s3cret", "$y$j9T$" + "".join(random.choice(a) for _ in range(16)) + "$"))')
printf '# dashboard users\nalice:%s\n' "$hash" > "$T/users"
port=$(free_port)
U="http://127.0.0.1:$port"
dash_start --db "$db" --listen "127.0.0.1:$port" --users "$T/users"
get a1 /
check_eq "no credentials: 401" 401 "$code"
check_grep "401: asks for them" 'WWW-Authenticate: Basic realm="tlsrptd dashboard", charset="UTF-8"' "$T/a1.hdr"
check_grep "401: CSP too" "Content-Security-Policy:" "$T/a1.hdr"
get a2 / -u alice:wrong
check_eq "a wrong password: 401" 401 "$code"
get a3 / -u mallory:s3cret
check_eq "an unknown user: 401" 401 "$code"
get a4 /style.css
check_eq "the stylesheet needs them too" 401 "$code"
page a5 / -u alice:s3cret
figures overview a5 "$T/ov.json"
get a6 "/message.eml?id=$qid" -u alice:s3cret
if cmp -s "$T/a6.html" "$T/raw.want"; then ok; else fail "download with credentials"; fi
kill -TERM "$dpid"
rc=0; wait "$dpid" || rc=$?
check_eq "dashboard with users: exit status" 0 "$rc"
check_grep "a failed login is logged with the name" 'wrong credentials for user \"mallory\"' "$T/dash.all"
check_eq "the hash is never logged" 0 "$(grep -cF "$hash" "$T/dash.all" || true)"
check_eq "nor the password" 0 "$(grep -c 's3cret' "$T/dash.all" || true)"
printf 'alice:plaintext\n' > "$T/users.bad"
rc=0; "$TLSRPTD" dashboard --db "$db" --users "$T/users.bad" > /dev/null 2> "$T/err" || rc=$?
check_eq "a users file without hashes: 78" 78 "$rc"
check_grep "... says where" "users.bad:1: the hash is not one crypt(3) writes" "$T/err"

# --- the daemon serves the same pages --------------------------------------------------
tlog="$T/tlsrptd.log"
port=$(free_port)
sport=$(free_port)
while [ "$sport" = "$port" ]; do sport=$(free_port); done
write_conf "$T/tlsrptd.conf" "smtp_listen = 127.0.0.1:$sport" \
    "dashboard_listen = 127.0.0.1:$port" "dashboard_users = $T/users" \
    "dashboard_query_timeout = $dash_query_s" \
    "alert_failure_rate = 10" "alert_min_sessions = 1"
daemon_start -c "$T/tlsrptd.conf"
check_grep "started: names the dashboard" "\"dashboard_listen\":[\"127.0.0.1:$port\"]" "$tlog"
U="http://127.0.0.1:$port"
get run0 /
check_eq "daemon: dashboard_users asks for credentials" 401 "$code"
page run / -u alice:s3cret
figures overview run "$T/ov.json"
page rundom "/domain?domain=example.com" -u alice:s3cret
figures cards rundom "$T/dom.json"
# a report stored by the daemon shows on the next page view
python3 - "$T/new.eml" <<'EOF2'
import email.message, json, sys
r = {"organization-name": "Late Sender", "report-id": "late-1",
     "date-range": {"start-datetime": "2026-12-01T00:00:00Z",
                    "end-datetime": "2026-12-01T23:59:59Z"},
     "contact-info": "tls@late.example",
     "policies": [{"policy": {"policy-type": "sts",
                              "policy-domain": "example.com"},
                   "summary": {"total-successful-session-count": 5,
                               "total-failure-session-count": 5},
                   "failure-details": [{"result-type": "certificate-expired",
                                        "receiving-mx-hostname": "mx2.example.com",
                                        "failed-session-count": 5}]}]}
m = email.message.EmailMessage()
m["From"] = "tls@late.example"
m["To"] = "tlsrpt@tlsrpt.test"
m["Subject"] = "Report Domain: example.com Submitter: late.example Report-ID: <late-1>"
m["TLS-Report-Domain"] = "example.com"
m["TLS-Report-Submitter"] = "late.example"
m.set_content("a report")
m.add_attachment(json.dumps(r).encode(), maintype="application",
                 subtype="tlsrpt+json", filename="late.json")
open(sys.argv[1], "wb").write(bytes(m))
EOF2
swaks_send "$sport" "$T/new.eml" tlsrpt@tlsrpt.test
check_eq "a report over SMTP: 250" 250 "$(echo "$reply" | cut -c1-3)"
page run2 /reports -u alice:s3cret
q reports --limit 100 > "$T/run2.json"
figures reports run2 "$T/run2.json"
check_eq "... it is on the list" $((n0 + 1)) "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$T/run2.json")"
# its 50% failures raised an alert, and the overview counts it
wait_for '"event":"failure_rate_alert"' "$tlog"
check_eq "the alert is stored" 1 "$(sql "$db" "SELECT count(*) FROM alerts WHERE policy_domain = 'example.com' AND day = '2026-12-01'")"
page run3 "/?since=2026-12-01" -u alice:s3cret
check_grep "overview: the alert raised" '<td class="n" data-col="alerts">1</td>' "$T/run3.html"
q summary --limit 200 --since 2026-12-01 > "$T/run3.json"
figures overview run3 "$T/run3.json"
daemon_stop
daemon_finish "$T/tlsrptd.out" "$T/dash.all"
