#!/bin/sh
# pg_bench.sh - the PostgreSQL store against the SQLite one, on a
# throwaway PostgreSQL 15 cluster (unix socket, fsync on, the server's
# defaults otherwise):
#   1. bulk ingest of N generated report mails (tlsrptd ingest) into
#      PostgreSQL and into SQLite, alternating rounds, each into an empty
#      database;
#   2. two SMTP instances sharing one PostgreSQL, each sent half of the N
#      mails at once (bench/smtp_send.py, S sessions each), against one
#      SMTP instance with SQLite sent all N: what a second MX host costs
#      or gains when both write to one store.
# Every report must be stored once. Prints the rates, their ratio, and
# where PostgreSQL's time goes (the server's CPU beside tlsrptd's).
# usage: pg_bench.sh /path/to/tlsrptd
# env:   PG_BENCH_MESSAGES (5000), PG_BENCH_SESSIONS (10), PG_BENCH_ROUNDS (2)
set -eu
TLSRPTD=${1:?usage: pg_bench.sh /path/to/tlsrptd}
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/table.sh"
N=${PG_BENCH_MESSAGES:-5000}
S=${PG_BENCH_SESSIONS:-10}
ROUNDS=${PG_BENCH_ROUNDS:-2}

for tool in python3 sqlite3 psql; do
	command -v "$tool" > /dev/null 2>&1 ||
	    { echo "pg bench: $tool missing (make deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/tlsrptd-pg-bench.XXXXXX)
PGD=$(mktemp -d /tmp/tlsrptd-pg-bench-db.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill -KILL "$p" 2> /dev/null || true; done
	sh "$TOP/tests/pg/cluster.sh" stop "$PGD" > /dev/null 2>&1 || true
	rm -rf "$T" "$PGD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

sh "$TOP/tests/pg/cluster.sh" start "$PGD" > /dev/null
uri="postgresql://tlsrptd@/postgres?host=$PGD"
psq() { psql -X -q -At -d "$uri" -c "$1"; }
# pg_empty - an empty database for the next round
pg_empty() { psq "DROP SCHEMA public CASCADE; CREATE SCHEMA public" > /dev/null 2>&1; }
# server_cpu - CPU seconds of the PostgreSQL server so far: the postmaster
# and the backends it has waited for (they end with their connections)
server_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15 + $16 + $17) / hz }' \
	    "/proc/$(head -n 1 "$PGD/data/postmaster.pid")/stat"
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms_now() { date +%s%N | cut -c1-13; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }

echo "pg bench: generating $N report mails"
python3 "$TOP/bench/gen_reports.py" --out "$T/mails" --count "$N" \
    --rcpt tlsrpt@tlsrpt.test
mkdir -p "$T/half1" "$T/half2"
i=0
for f in "$T"/mails/*; do
	if [ $((i % 2)) -eq 0 ]; then ln "$f" "$T/half1/"; else ln "$f" "$T/half2/"; fi
	i=$((i + 1))
done

# --- 1. bulk ingest -------------------------------------------------------------
pg_r="" sq_r="" pg_cpu="" srv_cpu=""
for r in $(seq "$ROUNDS"); do
	pg_empty
	c0=$(server_cpu)
	t0=$(ms_now)
	/usr/bin/time -f '%U %S' -o "$T/time" "$TLSRPTD" ingest --quiet --db "$uri" \
	    "$T/mails" > "$T/ingest.out" 2>&1
	t1=$(ms_now)
	c1=$(server_cpu)
	pg_r="$pg_r $(rate "$N" $((t1 - t0)))"
	pg_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$T/time")
	srv_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
	n=$(psq "SELECT count(*) FROM reports")
	[ "$n" -eq "$N" ] || { echo "pg bench: $n of $N stored in PostgreSQL" >&2; exit 1; }
	rm -f "$T/s.db" "$T/s.db-wal" "$T/s.db-shm"
	t0=$(ms_now)
	"$TLSRPTD" ingest --quiet --db "$T/s.db" "$T/mails" > "$T/ingest.out" 2>&1
	t1=$(ms_now)
	sq_r="$sq_r $(rate "$N" $((t1 - t0)))"
	n=$(sqlite3 "$T/s.db" "SELECT count(*) FROM reports")
	[ "$n" -eq "$N" ] || { echo "pg bench: $n of $N stored in SQLite" >&2; exit 1; }
done
# shellcheck disable=SC2086
pg=$(median $pg_r)
# shellcheck disable=SC2086
sq=$(median $sq_r)
echo " 1. bulk ingest of $N reports"
echo "  SQLite                 $sq reports/s   (runs:$sq_r)"
echo "  PostgreSQL             $pg reports/s   (runs:$pg_r)"
echo "$pg $sq" | awk '{ printf "  ratio                  %.2f\n", $1 / $2 }'
echo "  last PostgreSQL run: tlsrptd $pg_cpu s CPU, the server $srv_cpu s CPU;" \
    "(one statement and one round trip per row)"
bench_row "bulk ingest into PostgreSQL" "$pg" "reports/s" "the same into SQLite" \
    "$sq" "-" "-" "$N reports, $ROUNDS rounds, unix socket"

# --- 2. two SMTP instances, one PostgreSQL -----------------------------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# daemon NAME DATABASE - a tlsrptd with its SMTP listener; sets port_NAME
daemon() {
	_p=$(free_port)
	cat > "$T/$1.conf" <<EOF
database = $2
instance_name = $1
dkim = off
log = $T/$1.log
rua = tlsrpt@tlsrpt.test
milter_socket = none
smtp_listen = 127.0.0.1:$_p
EOF
	"$TLSRPTD" run -c "$T/$1.conf" > "$T/$1.out" 2>&1 &
	pids="$pids $!"
	eval "pid_$1=\$!"
	eval "port_$1=\$_p"
	_i=0
	until grep -q '"event":"started"' "$T/$1.log" 2> /dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] || { cat "$T/$1.out" >&2; exit 1; }
		sleep 0.1
	done
}
stop() {
	eval "kill -TERM \$pid_$1"
	eval "wait \$pid_$1" || true
}
two_r="" one_r=""
for r in $(seq "$ROUNDS"); do
	pg_empty
	rm -f "$T"/mx?.log
	daemon mx1 "$uri"
	daemon mx2 "$uri"
	t0=$(ms_now)
	python3 "$TOP/bench/smtp_send.py" 127.0.0.1 "$port_mx1" "$S" \
	    tlsrpt@tlsrpt.test "$T/half1" > "$T/s1.out" &
	a=$!
	python3 "$TOP/bench/smtp_send.py" 127.0.0.1 "$port_mx2" "$S" \
	    tlsrpt@tlsrpt.test "$T/half2" > "$T/s2.out" &
	b=$!
	wait "$a" || { echo "pg bench: sending to mx1 failed" >&2; exit 1; }
	wait "$b" || { echo "pg bench: sending to mx2 failed" >&2; exit 1; }
	t1=$(ms_now)
	two_r="$two_r $(rate "$N" $((t1 - t0)))"
	stop mx1
	stop mx2
	n=$(psq "SELECT count(*) FROM reports")
	[ "$n" -eq "$N" ] || { echo "pg bench: $n of $N stored by two instances" >&2; exit 1; }

	rm -f "$T/one.db" "$T/one.db-wal" "$T/one.db-shm" "$T/one.log"
	daemon one "$T/one.db"
	set -- $(python3 "$TOP/bench/smtp_send.py" 127.0.0.1 "$port_one" \
	    "$((2 * S))" tlsrpt@tlsrpt.test "$T/mails")
	one_r="$one_r $(echo "$1 $2" | awk '{ printf "%.0f", $1 / $2 }')"
	stop one
	n=$(sqlite3 "$T/one.db" "SELECT count(*) FROM reports")
	[ "$n" -eq "$N" ] || { echo "pg bench: $n of $N stored by one instance" >&2; exit 1; }
done
# shellcheck disable=SC2086
two=$(median $two_r)
# shellcheck disable=SC2086
one=$(median $one_r)
echo " 2. $N distinct reports over SMTP, $((2 * S)) sessions in all"
echo "  one instance, SQLite   $one msg/s   (runs:$one_r)"
echo "  two instances, one PostgreSQL  $two msg/s   (runs:$two_r)"
echo "$two $one" | awk '{ printf "  ratio                  %.2f\n", $1 / $2 }'
bench_row "two SMTP instances, one PostgreSQL" "$two" "msg/s" \
    "one SMTP instance, SQLite" "$one" "-" "-" \
    "$N reports, $((2 * S)) sessions, $ROUNDS rounds"
