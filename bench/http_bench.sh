#!/bin/sh
# http_bench.sh - reports/s POSTed to tlsrptd's HTTP endpoint by concurrent
# clients (curl --parallel, keep-alive), against the same load on a no-op
# evhttp server (noop_http.c: reads each request, answers 200, keeps
# nothing). Every report is distinct, so each one is validated and
# committed before its 200. Prints both rates, their ratio, tlsrptd's CPU
# time and peak RSS, and checks that every report was stored once.
#
#   http_bench.sh /path/to/tlsrptd     (HTTP_BENCH_N reports, default 3000;
#                                       HTTP_BENCH_CLIENTS, default 16)
set -eu
TLSRPTD=$1
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${HTTP_BENCH_N:-3000}
CLIENTS=${HTTP_BENCH_CLIENTS:-16}
for tool in curl python3 sqlite3 cc; do
	command -v "$tool" > /dev/null 2>&1 ||
	    { echo "http bench: $tool missing (make deps)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "http bench: GNU time missing (make deps)" >&2; exit 1; }

T=$(mktemp -d /tmp/tlsrptd-http-bench.XXXXXX)
tpid=""
npid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$npid" ] || kill -KILL "$npid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

python3 "$TOP/bench/gen_reports.py" --out "$T/reports" --count "$N" --bare
bytes=$(cat "$T"/reports/*.json.gz | wc -c)

# load URL - POST every report, CLIENTS at a time; prints reports/s
load() {
	: > "$T/load.cfg"
	for f in "$T"/reports/*.json.gz; do
		printf 'next\nurl = "%s"\ndata-binary = "@%s"\n' "$1" "$f"
		printf 'header = "Content-Type: application/tlsrpt+gzip"\n'
		printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
	done > "$T/load.cfg"
	t0=$(date +%s.%N)
	curl -s --parallel --parallel-max "$CLIENTS" -K "$T/load.cfg" \
	    > "$T/codes" 2> /dev/null || true
	t1=$(date +%s.%N)
	ok=$(grep -c '^200$' "$T/codes" || true)
	[ "$ok" -eq "$N" ] ||
	    { echo "http bench: FAIL: $ok of $N POSTs answered 200" >&2; exit 1; }
	echo "$t0 $t1" | awk -v n="$N" '{ printf "%.0f\n", n / ($2 - $1) }'
}

# the peer
cc -O2 -o "$T/noop_http" "$TOP/bench/noop_http.c" $(pkg-config --cflags --libs libevent)
np=$(free_port)
"$T/noop_http" "$np" > "$T/noop.out" 2>&1 &
npid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$np/"; do
	[ $i -lt 100 ] || { cat "$T/noop.out" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
peer=$(load "http://127.0.0.1:$np/tlsrpt")
kill -TERM "$npid"
wait "$npid" || true
npid=""

# tlsrptd
hp=$(free_port)
cat > "$T/tlsrptd.conf" <<EOC
database = $T/tlsrptd.db
log = $T/tlsrptd.log
log_level = warn
rua = tlsrpt@bench.test
milter_socket = none
http_listen = 127.0.0.1:$hp
EOC
/usr/bin/time -f '%M' -o "$T/rss" "$TLSRPTD" run -c "$T/tlsrptd.conf" \
    > "$T/tlsrptd.out" 2>&1 &
tpid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$hp/healthz"; do
	[ $i -lt 100 ] || { cat "$T/tlsrptd.out" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
# the daemon is the child of time(1)
dpid=$(pgrep -P "$tpid" tlsrptd || echo "$tpid")
rate=$(load "http://127.0.0.1:$hp/tlsrpt")
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$dpid/stat")
kill -TERM "$dpid"
wait "$tpid" || { echo "http bench: tlsrptd exited badly" >&2; cat "$T/tlsrptd.out" >&2; exit 1; }
tpid=""
stored=$(sqlite3 "$T/tlsrptd.db" "SELECT count(*) FROM reports")

echo "http bench: $N distinct report bodies ($bytes bytes gzipped), $CLIENTS concurrent clients (curl --parallel)"
echo "  no-op evhttp server    $peer reports/s"
echo "  tlsrptd                $rate reports/s (each answered after its commit)"
echo "$rate $peer" | awk '{ printf "  ratio                  %.2f\n", $1 / $2 }'
echo "$cpu $N" | awk '{ printf "  tlsrptd CPU            %.2f s in all, %.0f us per report\n", $1, $1 / $2 * 1e6 }'
echo "  tlsrptd peak RSS       $(cat "$T/rss") KiB"
if [ "$stored" -ne "$N" ]; then
	echo "http bench: FAIL: $stored of $N reports stored" >&2
	exit 1
fi
echo "  stored                 $stored of $N, once each"
