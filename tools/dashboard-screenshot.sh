#!/bin/sh
# dashboard-screenshot.sh - remake docs/dashboard-*.png, the README's
# screenshots: 30 days of generated reports (tests/dashboard/gen_reports.py)
# in a scratch database, "tlsrptd dashboard" on a free loopback port, and
# headless Chromium's screenshot of the overview and of one domain.
# Usage: tools/dashboard-screenshot.sh [path/to/tlsrptd]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
TLSRPTD=${1:-$TOP/build/tlsrptd}
T=$(mktemp -d /tmp/tlsrptd-shot.XXXXXX)
dpid=""
trap '[ -z "$dpid" ] || kill "$dpid" 2> /dev/null; rm -rf "$T"' EXIT

python3 "$TOP/tests/dashboard/gen_reports.py" "$T/gen" 30 > /dev/null
# the hostile sample report is for the tests, not for the picture
rm -f "$(ls "$T"/gen/*.json | tail -n 1)"
"$TLSRPTD" ingest --quiet --db "$T/d.db" "$T/gen" > /dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$TLSRPTD" dashboard --db "$T/d.db" --listen "127.0.0.1:$port" 2> "$T/dash.out" &
dpid=$!
i=0
until grep -q ' on http' "$T/dash.out" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done

# shot NAME PATH HEIGHT - docs/dashboard-NAME.png of the page at PATH
shot() {
	chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$T/profile-$1" \
	    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
	    --hide-scrollbars --window-size="1100,$3" \
	    --screenshot="$TOP/docs/dashboard-$1.png" \
	    "http://127.0.0.1:$port$2" 2> /dev/null
	echo "docs/dashboard-$1.png"
}
shot overview / 420
shot domain "/domain?domain=example.com" 1180
