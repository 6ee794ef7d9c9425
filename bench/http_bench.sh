#!/bin/sh
# http_bench.sh - reports/s POSTed over HTTPS to tlsrptd's https_listen by
# concurrent clients (curl --parallel, keep-alive), against the same load on
# a no-op evhttp server with the same certificate (noop_http.c: reads each
# request, answers 200, keeps nothing), in alternating rounds. Every report
# is distinct and each round starts with an empty database, so each one is
# validated and committed before its 200. Prints both medians, their ratio,
# tlsrptd's CPU time and peak RSS, and checks every report was stored once.
#
#   http_bench.sh /path/to/tlsrptd   (HTTP_BENCH_N reports, default 3000;
#                                     HTTP_BENCH_CLIENTS, default 16;
#                                     HTTP_BENCH_ROUNDS, default 3)
set -eu
TLSRPTD=$1
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/table.sh"
N=${HTTP_BENCH_N:-3000}
CLIENTS=${HTTP_BENCH_CLIENTS:-16}
ROUNDS=${HTTP_BENCH_ROUNDS:-3}
for tool in curl python3 sqlite3 cc openssl; do
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

# median - of the numbers on the command line
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

python3 "$TOP/bench/gen_reports.py" --out "$T/reports" --count "$N" --bare
bytes=$(cat "$T"/reports/*.json.gz | wc -c)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" > /dev/null 2>&1

# load URL - POST every report, CLIENTS at a time; prints reports/s
load() {
	for f in "$T"/reports/*.json.gz; do
		printf 'next\nurl = "%s"\ndata-binary = "@%s"\ninsecure\n' "$1" "$f"
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

# wait_up URL LOG - until URL answers
wait_up() {
	i=0
	until curl -ks -o /dev/null "$1"; do
		[ $i -lt 100 ] || { cat "$2" >&2; exit 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# shellcheck disable=SC2046
cc -O2 -o "$T/noop_http" "$TOP/bench/noop_http.c" \
    $(pkg-config --cflags --libs libevent libevent_openssl openssl)

# peer_round - one load on the no-op server; prints reports/s
peer_round() {
	np=$(free_port)
	"$T/noop_http" "$np" "$T/cert.pem" "$T/key.pem" > "$T/noop.out" 2>&1 &
	npid=$!
	wait_up "https://127.0.0.1:$np/" "$T/noop.out"
	load "https://127.0.0.1:$np/tlsrpt"
	kill -TERM "$npid"
	wait "$npid" || true
	npid=""
}

# tlsrptd_round - one load on tlsrptd with an empty database; prints
# reports/s and leaves its CPU seconds, peak RSS and stored count in files
tlsrptd_round() {
	hp=$(free_port)
	rm -f "$T"/tlsrptd.db*
	cat > "$T/tlsrptd.conf" <<EOC
database = $T/tlsrptd.db
log = $T/tlsrptd.log
log_level = warn
rua = tlsrpt@bench.test
milter_socket = none
https_listen = 127.0.0.1:$hp
tls_certificate = $T/cert.pem
tls_key = $T/key.pem
EOC
	/usr/bin/time -f '%M' -o "$T/rss" "$TLSRPTD" run -c "$T/tlsrptd.conf" \
	    > "$T/tlsrptd.out" 2>&1 &
	tpid=$!
	wait_up "https://127.0.0.1:$hp/healthz" "$T/tlsrptd.out"
	# the daemon is the child of time(1)
	dpid=$(pgrep -P "$tpid" tlsrptd || echo "$tpid")
	load "https://127.0.0.1:$hp/tlsrpt"
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' \
	    "/proc/$dpid/stat" > "$T/cpu"
	kill -TERM "$dpid"
	wait "$tpid" || { echo "http bench: tlsrptd exited badly" >&2; cat "$T/tlsrptd.out" >&2; exit 1; }
	tpid=""
	sqlite3 "$T/tlsrptd.db" "SELECT count(*) FROM reports" > "$T/stored"
}

peers=""
ours=""
peak=0
for r in $(seq "$ROUNDS"); do
	peers="$peers $(peer_round)"
	ours="$ours $(tlsrptd_round)"
	stored=$(cat "$T/stored")
	if [ "$stored" -ne "$N" ]; then
		echo "http bench: FAIL: $stored of $N reports stored" >&2
		exit 1
	fi
	rss=$(cat "$T/rss")
	[ "$rss" -le "$peak" ] || peak=$rss
done
# shellcheck disable=SC2086
p=$(median $peers)
# shellcheck disable=SC2086
m=$(median $ours)
cpu=$(cat "$T/cpu")

echo "https bench: $N distinct report bodies ($bytes bytes gzipped), $CLIENTS concurrent clients (curl --parallel), $ROUNDS rounds alternating"
echo "  no-op evhttp over TLS  $p reports/s   (runs:$peers)"
echo "  tlsrptd https_listen   $m reports/s   (runs:$ours; each answered after its commit)"
echo "$m $p" | awk '{ printf "  ratio                  %.2f\n", $1 / $2 }'
echo "$cpu $N" | awk '{ printf "  tlsrptd CPU            %.2f s in the last run, %.0f us per report\n", $1, $1 / $2 * 1e6 }'
echo "  tlsrptd peak RSS       $peak KiB"
echo "  stored                 $N of $N in each round, once each"
bench_row "HTTPS POST" "$m" "reports/s" "no-op evhttp server, TLS" "$p" "-" \
    "$peak" "$N reports, $CLIENTS clients, $ROUNDS rounds"
