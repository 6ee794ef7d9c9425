#!/bin/sh
# milter_bench.sh - messages/s through a throwaway Postfix with the tlsrptd
# milter vs Postfix alone, under the same smtp-source load (report mails to a
# rua address), alternating rounds; prints both rates, their ratio (target
# >= 0.8) and checks that every message went through the milter. A third
# configuration, a libmilter filter that does nothing (noop_milter.c),
# shows what the milter protocol and libmilter cost by themselves.
#
# Each configuration is measured twice: report mail (to the rua address,
# which tlsrptd buffers, analyses and commits) and other mail (the same
# message to another address of the domain: what most of a site's mail
# is, and which tlsrptd lets go at DATA without seeing its content).
#
# usage: milter_bench.sh /path/to/tlsrptd
# env:   MILTER_BENCH_MESSAGES (3000), MILTER_BENCH_SESSIONS (10),
#        MILTER_BENCH_ROUNDS (2), MILTER_BENCH_MAIL (a report .eml)
#
# smtp-source sends one file over and over, so after the first message the
# report is a duplicate: the milter and the loop do all their work (buffer,
# MIME, gunzip, JSON, validation, the unique-key lookup, the commit, the log
# line) except inserting the rows.
set -eu
TLSRPTD=${1:?usage: milter_bench.sh /path/to/tlsrptd}
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/table.sh"
N=${MILTER_BENCH_MESSAGES:-3000}
S=${MILTER_BENCH_SESSIONS:-10}
ROUNDS=${MILTER_BENCH_ROUNDS:-2}
MAIL=${MILTER_BENCH_MAIL:-$TOP/tests/corpus/tlsrpt-digest__tlsrpt_success_google_1.eml}
. "$TOP/tests/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "milter bench: skipped (needs root to run a throwaway Postfix)"
	exit 0
fi
for tool in postfix smtp-source sqlite3 cc; do
	command -v "$tool" > /dev/null 2>&1 ||
	    { echo "milter bench: $tool missing (make deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/tlsrptd-bench.XXXXXX)
tpid=""
npid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$npid" ] || kill -KILL "$npid" 2> /dev/null || true
	postfix -c "$T/conf" stop > /dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 0755 "$T"
mkdir -p "$T/conf" "$T/queue" "$T/data" "$T/log" "$T/run" "$T/db"
chown postfix "$T/data"
chown nobody "$T/run" "$T/db" "$T/log"
port=$(pf_free_port)
# smtp-source adds CRLF to every line itself
tr -d '\r' < "$MAIL" > "$T/mail.eml"

pf_write_config "$T" "$port" mx.tlsrptd-bench.invalid tlsrpt.test \
    "inline:{tlsrpt.test=discard:rua}" "" \
    "smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0"
cat > "$T/tlsrptd.conf" <<EOF
database = $T/db/tlsrptd.db
# unsigned and third-party corpus mail: DKIM has its own test (dkim.sh)
dkim = off
log = $T/log/tlsrptd.log
rua = tlsrpt@tlsrpt.test
milter_socket = unix:$T/run/milter.sock
user = nobody
group = postfix
EOF

cc -O2 -o "$T/noop_milter" "$TOP/bench/noop_milter.c" -lmilter -lpthread
"$T/noop_milter" "unix:$T/run/noop.sock" > "$T/noop.out" 2>&1 &
npid=$!
"$TLSRPTD" run -c "$T/tlsrptd.conf" > "$T/tlsrptd.out" 2>&1 &
tpid=$!
i=0
while { [ ! -S "$T/run/milter.sock" ] || [ ! -S "$T/run/noop.sock" ]; } &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$T/run/milter.sock" ] || { cat "$T/tlsrptd.out" >&2; exit 1; }
[ -S "$T/run/noop.sock" ] || { cat "$T/noop.out" >&2; exit 1; }
chgrp postfix "$T/run/noop.sock"

# start_postfix MILTERS - a fresh start of the instance, with or without us
start_postfix() {
	postconf -c "$T/conf" -e "smtpd_milters = $1"
	postfix -c "$T/conf" start > "$T/postfix.out" 2>&1 ||
	    { cat "$T/postfix.out" >&2; exit 1; }
	# warm up: the first sessions fork the daemons
	smtp-source -s 2 -m 20 -f reports@sender.example -t tlsrpt@tlsrpt.test \
	    -F "$T/mail.eml" "127.0.0.1:$port"
}

# load RCPT - the measured run; prints messages/s
load() {
	t0=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -f reports@sender.example \
	    -t "$1" -F "$T/mail.eml" "127.0.0.1:$port"
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk -v n="$N" '{ printf "%.0f\n", n / ($2 - $1) }'
}

RUA=tlsrpt@tlsrpt.test
OTHER=postmaster@tlsrpt.test
alone=""
noop=""
milter=""
alone_o=""
noop_o=""
milter_o=""
through=0
for r in $(seq "$ROUNDS"); do
	start_postfix ""
	alone="$alone $(load $RUA)"
	alone_o="$alone_o $(load $OTHER)"
	postfix -c "$T/conf" stop > /dev/null 2>&1
	start_postfix "unix:$T/run/noop.sock"
	noop="$noop $(load $RUA)"
	noop_o="$noop_o $(load $OTHER)"
	postfix -c "$T/conf" stop > /dev/null 2>&1
	start_postfix "unix:$T/run/milter.sock"
	milter="$milter $(load $RUA)"
	milter_o="$milter_o $(load $OTHER)"
	postfix -c "$T/conf" stop > /dev/null 2>&1
	through=$((through + N + 20))
done
kill -TERM "$npid"
wait "$npid" || true
npid=""

# CPU seconds tlsrptd used (utime + stime, clock ticks)
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$tpid/stat")
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$tpid/status")
kill -TERM "$tpid"
wait "$tpid" || { echo "milter bench: tlsrptd exited badly" >&2; exit 1; }
tpid=""

# median - of the numbers on the command line
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# shellcheck disable=SC2086
a=$(median $alone)
# shellcheck disable=SC2086
m=$(median $milter)
# shellcheck disable=SC2086
z=$(median $noop)
# shellcheck disable=SC2086
ao=$(median $alone_o)
# shellcheck disable=SC2086
mo=$(median $milter_o)
# shellcheck disable=SC2086
zo=$(median $noop_o)
log="$T/log/tlsrptd.log"
seen=$(grep -c '"outcome":"\(stored\|duplicate\)"' "$log" || true)
tempfail=$(grep -c '"outcome":"tempfail"' "$log" || true)
reports=$(sqlite3 "$T/db/tlsrptd.db" "SELECT count(*) FROM reports")
commits=$(sed -n 's/.*"commits":\([0-9]*\).*/\1/p' "$log" | tail -n 1)
largest=$(sed -n 's/.*"largest_commit":\([0-9]*\).*/\1/p' "$log" | tail -n 1)

echo "milter bench: $N report mails per run ($(wc -c < "$T/mail.eml") bytes)," \
    "$S smtp-source sessions, $ROUNDS rounds, $(postconf -d -h mail_version | sed 's/^/Postfix /')"
echo "  report mail (to $RUA):"
echo "  Postfix alone          $a msg/s   (runs:$alone)"
echo "  Postfix + no-op milter $z msg/s   (runs:$noop)"
echo "  Postfix + tlsrptd      $m msg/s   (runs:$milter)"
echo "$a $m $z" | awk '{ printf "  ratio                  %.2f   (target >= 0.80; a no-op libmilter filter: %.2f)\n", $2 / $1, $3 / $1 }'
echo "  other mail (to $OTHER, passed at DATA):"
echo "  Postfix alone          $ao msg/s   (runs:$alone_o)"
echo "  Postfix + no-op milter $zo msg/s   (runs:$noop_o)"
echo "  Postfix + tlsrptd      $mo msg/s   (runs:$milter_o)"
echo "$ao $mo $zo" | awk '{ printf "  ratio                  %.2f   (a no-op libmilter filter: %.2f)\n", $2 / $1, $3 / $1 }'
echo "  through the milter     $seen of $through messages logged," \
    "$tempfail tempfail, $commits commits (largest $largest), $reports report stored"
echo "$cpu $through" | awk '{ printf "  tlsrptd CPU            %.2f s in all, %.0f us per message\n", $1, $1 / $2 * 1e6 }'
if [ "$seen" -ne "$through" ] || [ "$tempfail" -ne 0 ] || [ "$reports" -ne 1 ]; then
	echo "milter bench: FAIL: not every message went through the milter once" >&2
	exit 1
fi
bench_row "milter, report mail" "$m" "msg/s" "Postfix alone" "$a" 0.80 "$hwm" \
    "$N mails, $S sessions, $ROUNDS rounds; no-op libmilter filter: $z msg/s"
bench_row "milter, other mail" "$mo" "msg/s" "Postfix alone" "$ao" - "$hwm" \
    "$N mails, $S sessions, $ROUNDS rounds; no-op libmilter filter: $zo msg/s"
