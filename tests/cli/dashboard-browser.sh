#!/bin/sh
# dashboard-browser.sh - the dashboard in a real browser: headless Chromium
# loads every page of a database filled from tests/corpus and from
# generated reports (with a hostile one), with JavaScript as it comes and
# with nothing to run; the test reads the DOM Chromium built (the figures
# against tlsrptd query's JSON, the charts and their hover titles, the
# links from page to page, hostile strings as text), checks from
# Chromium's network log that no request a page made left the dashboard,
# and that each screenshot is a picture, not a blank page. The screenshots
# are kept in build/test-artifacts/dashboard/.
. "$(dirname "$0")/lib.sh"

if ! command -v chromium > /dev/null 2>&1; then
	echo "dashboard-browser.sh: SKIPPED: chromium is not installed" \
	    "(Debian package chromium; make deps installs it)"
	exit 0
fi
need curl python3 sqlite3

C="$TOP/tests/corpus"
FIG="$TOP/tests/dashboard/figures.py"
BR="$TOP/tests/dashboard/browser.py"
ART="$TOP/build/test-artifacts/dashboard"
db="$T/d.db"
q() { "$TLSRPTD" query --db "$db" --format json "$@" 2> "$T/q.err"; }

python3 "$TOP/tests/dashboard/gen_reports.py" "$T/gen" 30 > /dev/null
"$TLSRPTD" ingest --quiet --db "$db" "$C" "$T/gen" > /dev/null 2>&1 || true
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
U="http://127.0.0.1:$port"
"$TLSRPTD" dashboard --query-timeout "$dash_query_s" --db "$db" --listen "127.0.0.1:$port" > "$T/dash.out" 2>&1 &
dpid=$!
_i=0
until grep -q ' on http' "$T/dash.out" 2> /dev/null || [ $_i -ge 300 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
rm -rf "$ART" && mkdir -p "$ART"

# load NAME PATH - Chromium renders $U$PATH: the DOM in $T/NAME.html, a
# screenshot kept as $ART/NAME.png, the network log in $T/NAME.net.json.
# Names other than 127.0.0.1 resolve nowhere, so even the browser's own
# background requests stay on this machine.
load() {
	rm -f "$ART/$1.png"
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$T/profile-$1" \
	    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
	    --log-net-log="$T/$1.net.json" --window-size=1280,1000 \
	    --screenshot="$ART/$1.png" --dump-dom "$U$2" \
	    > "$T/$1.html" 2> "$T/$1.chromium.err" || true
	if [ -s "$T/$1.html" ]; then ok; else
		fail "$2: chromium gave no DOM:"
		tail -n 5 "$T/$1.chromium.err" >&2
		return
	fi
	if python3 "$BR" netlog "$T/$1.net.json" "$U" > "$T/br.out" 2>&1; then
		ok
	else
		fail "$2: requests:"
		sed 's/^/  | /' "$T/br.out" >&2
	fi
	if python3 "$BR" png "$ART/$1.png" > "$T/br.out" 2>&1; then ok; else
		fail "$2: screenshot:"
		sed 's/^/  | /' "$T/br.out" >&2
	fi
}

# figures MODE NAME JSONFILE - the DOM's table equals the query's JSON
figures() {
	if python3 "$FIG" "$1" "$T/$2.html" "$3" > "$T/fig.out" 2>&1; then ok; else
		fail "figures $1 ($2) differ from tlsrptd query:"
		sed 's/^/  | /' "$T/fig.out" | head -20 >&2
	fi
}

# link NAME HREF - the DOM of NAME links to HREF (as the browser serialises it)
link() { check_grep "$1 links to $2" "href=\"$2\"" "$T/$1.html"; }

load overview /
q summary --limit 200 --since 2026-11-01 --until 2026-11-30 > "$T/ov.json"
figures overview overview "$T/ov.json"
check_grep "overview: trend sparklines" '<svg xmlns="http://www.w3.org/2000/svg" class="spark"' "$T/overview.html"
link overview "/domain?since=2026-11-01&amp;until=2026-11-30&amp;domain=example.com"
link overview "/reports?since=2026-11-01&amp;until=2026-11-30"
link overview "/senders?since=2026-11-01&amp;until=2026-11-30"
link overview "/quarantine?since=2026-11-01&amp;until=2026-11-30"

load domain "/domain?domain=example.com"
q summary --domain example.com > "$T/dom.json"
figures cards domain "$T/dom.json"
q failures --by type --domain example.com --limit 25 > "$T/type.json"
figures by-type domain "$T/type.json"
check_eq "domain: two charts in the DOM" 2 "$(grep -o 'class="chart"' "$T/domain.html" | wc -l)"
check_eq "domain: a column for each of the last 366 days in each" 732 "$(grep -o 'class="col"' "$T/domain.html" | wc -l)"
check_grep "domain: hover value of a failed bar" "<title>2026-11-16: " "$T/domain.html"
check_grep "domain: the failure-rate points" '<circle class="pt"' "$T/domain.html"
check_grep "domain: the hostile MX is text" "&lt;/svg&gt;&lt;script&gt;alert(7)&lt;/script&gt;" "$T/domain.html"
link domain "/reports?domain=example.com"

load reports /reports
q reports --limit 100 > "$T/rep.json"
figures reports reports "$T/rep.json"
hid=$(sql "$db" "SELECT id FROM reports WHERE report_id LIKE '%svg onload%'")
link reports "/report?id=$hid"

load report "/report?id=$hid"
q reports show "$hid" > "$T/hostile.json"
figures report report "$T/hostile.json"
# the browser built no element from a report's text
check_eq "hostile report: no script element in the DOM" 0 "$(grep -ci '<script' "$T/report.html" || true)"
check_eq "hostile report: no img element in the DOM" 0 "$(grep -ci '<img' "$T/report.html" || true)"
check_eq "hostile report: no right-to-left override in the DOM" 0 \
    "$(grep -c "$(printf '\342\200\256')" "$T/report.html" || true)"
check_grep "hostile report: shown as text" "&lt;script&gt;alert(1)&lt;/script&gt;\"onload=\"alert(2)'&lt;/svg&gt;" "$T/report.html"

load senders /senders
q senders --limit 100 --since 2026-11-01 --until 2026-11-30 > "$T/snd.json"
figures senders senders "$T/snd.json"

load quarantine /quarantine
q quarantine --limit 100 > "$T/qua.json"
figures quarantine quarantine "$T/qua.json"
qid=$(sql "$db" "SELECT id FROM quarantine ORDER BY id LIMIT 1")
link quarantine "/message?id=$qid"

load message "/message?id=$qid"
link message "/message.eml?id=$qid"

kill -TERM "$dpid"
rc=0; wait "$dpid" || rc=$?
check_eq "dashboard exit status" 0 "$rc"
echo "dashboard-browser.sh: screenshots in $ART"
daemon_finish "$T/dash.out"
