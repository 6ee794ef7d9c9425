#!/bin/sh
# smtp_bench.sh - messages/s into tlsrptd's own SMTP listener against
# Postfix's smtp-sink (which accepts and throws away) under the same load,
# alternating rounds; then peak memory with 100 concurrent sessions.
#
#   1. smtp-source, S sessions, N copies of one generated report mail, one
#      connection per message (smtp-source's default): tlsrptd analyses
#      each copy fully, finds it already stored, commits and answers.
#   2. N distinct generated report mails (bench/smtp_send.py, S sessions,
#      many messages per connection, pipelined envelope): every one a new
#      report, stored durably (WAL, synchronous=FULL) before its 250.
#   3. peak RSS (VmHWM) of a fresh tlsrptd under smtp-source -s 100.
#
# Target: tlsrptd at least 0.7 of smtp-sink's rate.
# usage: smtp_bench.sh /path/to/tlsrptd
# env:   SMTP_BENCH_MESSAGES (20000), SMTP_BENCH_SESSIONS (20),
#        SMTP_BENCH_ROUNDS (2)
set -eu
TLSRPTD=${1:?usage: smtp_bench.sh /path/to/tlsrptd}
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/table.sh"
N=${SMTP_BENCH_MESSAGES:-20000}
S=${SMTP_BENCH_SESSIONS:-20}
ROUNDS=${SMTP_BENCH_ROUNDS:-2}
. "$TOP/tests/postfix.sh"

for tool in smtp-source smtp-sink python3 sqlite3; do
	command -v "$tool" > /dev/null 2>&1 ||
	    { echo "smtp bench: $tool missing (make deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/tlsrptd-smtp-bench.XXXXXX)
tpid=""
spid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$spid" ] || kill -KILL "$spid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 0755 "$T"

sink_port=$(pf_free_port)
port=$((sink_port + 1))
while [ -n "$(ss -Hltn "sport = :$port" 2> /dev/null)" ]; do port=$((port + 1)); done

echo "smtp bench: generating $N report mails"
python3 "$TOP/bench/gen_reports.py" --out "$T/mails" --count "$N" \
    --rcpt tlsrpt@tlsrpt.test
# smtp-source adds CRLF to every line itself
tr -d '\r' < "$T/mails/m000000.eml" > "$T/one.eml"

# start_tlsrptd DB - a daemon on $port with a fresh database
start_tlsrptd() {
	rm -f "$1" "$1-wal" "$1-shm"
	cat > "$T/tlsrptd.conf" <<EOF
database = $1
# unsigned and third-party corpus mail: DKIM has its own test (dkim.sh)
dkim = off
log = $T/tlsrptd.log
rua = tlsrpt@tlsrpt.test
milter_socket = none
smtp_listen = 127.0.0.1:$port
smtp_hostname = mx.tlsrptd-bench.test
smtp_max_connections = 1000
smtp_max_per_client = 1000
EOF
	: > "$T/tlsrptd.log"
	"$TLSRPTD" run -c "$T/tlsrptd.conf" > "$T/tlsrptd.out" 2>&1 &
	tpid=$!
	i=0
	while ! grep -q '"event":"started"' "$T/tlsrptd.log" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '"event":"started"' "$T/tlsrptd.log" ||
	    { cat "$T/tlsrptd.out" "$T/tlsrptd.log" >&2; exit 1; }
}

# stop_tlsrptd - SIGTERM; it must exit 0
stop_tlsrptd() {
	kill -TERM "$tpid"
	wait "$tpid" || { echo "smtp bench: tlsrptd exited badly" >&2; exit 1; }
	tpid=""
}

# rate N T0 T1 - messages per second
rate() { echo "$2 $3" | awk -v n="$1" '{ printf "%.0f\n", n / ($2 - $1) }'; }

# source PORT SESSIONS COUNT - one smtp-source run; prints messages/s
source_run() {
	t0=$(date +%s.%N)
	smtp-source -s "$2" -m "$3" -f reports@sender.example \
	    -t tlsrpt@tlsrpt.test -F "$T/one.eml" "127.0.0.1:$1"
	t1=$(date +%s.%N)
	rate "$3" "$t0" "$t1"
}

# median - of the numbers on the command line
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# smtp-sink must be told whom to become when started as root
sink_user=""
[ "$(id -u)" -ne 0 ] || sink_user="-u nobody"
# shellcheck disable=SC2086
smtp-sink $sink_user "127.0.0.1:$sink_port" 1000 > "$T/sink.out" 2>&1 &
spid=$!
start_tlsrptd "$T/copies.db"
# warm up both
smtp-source -s 2 -m 50 -f reports@sender.example -t tlsrpt@tlsrpt.test \
    -F "$T/one.eml" "127.0.0.1:$sink_port"
smtp-source -s 2 -m 50 -f reports@sender.example -t tlsrpt@tlsrpt.test \
    -F "$T/one.eml" "127.0.0.1:$port"

# --- 1. smtp-source, copies of one report ------------------------------------
sink=""
ours=""
for r in $(seq "$ROUNDS"); do
	sink="$sink $(source_run "$sink_port" "$S" "$N")"
	ours="$ours $(source_run "$port" "$S" "$N")"
done
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$tpid/stat")
stop_tlsrptd
log="$T/tlsrptd.log"
through=$((ROUNDS * N + 50))
seen=$(grep -c '"outcome":"\(stored\|duplicate\)"' "$log" || true)
tempfail=$(grep -c '"outcome":"tempfail"' "$log" || true)
commits=$(sed -n 's/.*"commits":\([0-9]*\).*/\1/p' "$log" | tail -n 1)
largest=$(sed -n 's/.*"largest_commit":\([0-9]*\).*/\1/p' "$log" | tail -n 1)
# shellcheck disable=SC2086
a=$(median $sink)
# shellcheck disable=SC2086
m=$(median $ours)
echo "smtp bench: $N messages per run ($(wc -c < "$T/one.eml") bytes), $S sessions, $ROUNDS rounds"
echo " 1. smtp-source, one connection per message, copies of one report"
echo "  smtp-sink              $a msg/s   (runs:$sink)"
echo "  tlsrptd                $m msg/s   (runs:$ours)"
echo "$a $m" | awk '{ printf "  ratio                  %.2f   (target >= 0.70)\n", $2 / $1 }'
echo "  through tlsrptd        $seen of $through messages stored or found stored," \
    "$tempfail tempfail, $commits commits (largest $largest)"
echo "$cpu $through" | awk '{ printf "  tlsrptd CPU            %.2f s in all, %.0f us per message\n", $1, $1 / $2 * 1e6 }'
bench_row "SMTP listener, smtp-source" "$m" "msg/s" "Postfix smtp-sink" "$a" \
    0.70 - "$N copies of one report, $S sessions, $ROUNDS rounds"
if [ "$seen" -ne "$through" ] || [ "$tempfail" -ne 0 ]; then
	echo "smtp bench: FAIL: not every message was answered after its commit" >&2
	exit 1
fi

# --- 2. distinct reports, each stored -----------------------------------------
sink2=""
ours2=""
stored=""
for r in $(seq "$ROUNDS"); do
	set -- $(python3 "$TOP/bench/smtp_send.py" 127.0.0.1 "$sink_port" "$S" \
	    tlsrpt@tlsrpt.test "$T/mails")
	sink2="$sink2 $(echo "$1 $2" | awk '{ printf "%.0f", $1 / $2 }')"
	start_tlsrptd "$T/distinct.db"
	set -- $(python3 "$TOP/bench/smtp_send.py" 127.0.0.1 "$port" "$S" \
	    tlsrpt@tlsrpt.test "$T/mails")
	ours2="$ours2 $(echo "$1 $2" | awk '{ printf "%.0f", $1 / $2 }')"
	cpu2=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$tpid/stat")
	stop_tlsrptd
	stored="$stored $(sqlite3 "$T/distinct.db" 'SELECT count(*) FROM reports')"
	commits=$(sed -n 's/.*"commits":\([0-9]*\).*/\1/p' "$T/tlsrptd.log" | tail -n 1)
	largest=$(sed -n 's/.*"largest_commit":\([0-9]*\).*/\1/p' "$T/tlsrptd.log" | tail -n 1)
done
# shellcheck disable=SC2086
a=$(median $sink2)
a2=$a
# shellcheck disable=SC2086
m=$(median $ours2)
m2=$m
echo " 2. $N distinct reports, $S sessions, many messages per connection (smtp_send.py)"
echo "  smtp-sink              $a msg/s   (runs:$sink2)"
echo "  tlsrptd                $m msg/s   (runs:$ours2)"
echo "$a $m" | awk '{ printf "  ratio                  %.2f   (target >= 0.70)\n", $2 / $1 }'
echo "  reports stored         $stored (each run: $N expected), last run $commits commits (largest $largest)"
echo "$cpu2 $N" | awk '{ printf "  tlsrptd CPU            %.2f s in the last run, %.0f us per message\n", $1, $1 / $2 * 1e6 }'
for s in $stored; do
	if [ "$s" -ne "$N" ]; then
		echo "smtp bench: FAIL: $s of $N reports stored" >&2
		exit 1
	fi
done

# --- 3. peak memory with 100 concurrent sessions --------------------------------
start_tlsrptd "$T/rss.db"
idle=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$tpid/status")
m100=$(source_run "$port" 100 "$N")
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$tpid/status")
stop_tlsrptd
echo " 3. smtp-source -s 100 -m $N: $m100 msg/s; tlsrptd RSS $((idle / 1024)) MiB idle," \
    "peak $((hwm / 1024)) MiB ($hwm kB)"
kill -TERM "$spid" 2> /dev/null || true
wait "$spid" 2> /dev/null || true
spid=""
bench_row "SMTP listener, distinct" "$m2" "msg/s" "Postfix smtp-sink" "$a2" 0.70 "$hwm" \
    "$N distinct reports, $S sessions, $ROUNDS rounds; RSS at 100 sessions"
