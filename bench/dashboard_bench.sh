#!/bin/sh
# dashboard_bench.sh - the dashboard over a million stored reports:
#   dashboard_bench.sh /path/to/tlsrptd [REPORTS]
# On the database of query_bench.sh (bench/query_db.sh), "tlsrptd
# dashboard" serves the overview (its default: the 30 days up to the latest
# report) and a domain page (every day of that domain); curl measures time
# to first byte and the whole page, the median of 5 after one warm-up.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/table.sh"
. "$here/query_db.sh"
tlsrptd=$1
n=${2:-1000000}
query_db "$tlsrptd" "$n"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(mktemp /tmp/tlsrptd-dash-bench.XXXXXX)
"$tlsrptd" dashboard --db "$db" --listen "127.0.0.1:$port" 2> "$out" &
dpid=$!
trap 'kill "$dpid" 2> /dev/null; rm -f "$out"' EXIT
i=0
until grep -q ' on http' "$out" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done

# median5 PATH - "ttfb_ms total_ms status" of the page, each the median of 5
median5() {
	curl -s -o /dev/null "http://127.0.0.1:$port$1"
	for i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{http_code}\n' \
		    "http://127.0.0.1:$port$1"
	done | sort -n | sed -n 3p | awk '{ printf "%d %d %s\n", $1 * 1000, $2 * 1000, $3 }'
}

printf '%-44s %8s %8s %6s\n' "dashboard page, $n reports" "ttfb ms" "page ms" "status"
for page in "overview /" "domain /domain?domain=d7.example"; do
	name=${page%% *}
	path=${page#* }
	set -- $(median5 "$path")
	printf '%-44s %8s %8s %6s\n' "$path" "$1" "$2" "$3"
	bench_row "dashboard $name, 1M reports" "$2" "ms" "-" "-" "-" "-" \
	    "median of 5; first byte $1 ms"
done
