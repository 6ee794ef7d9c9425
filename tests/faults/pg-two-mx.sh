#!/bin/sh
# pg-two-mx.sh - two MX hosts, one PostgreSQL: two tlsrptd instances, each
# behind its own throwaway Postfix (milter), share a PostgreSQL 15 cluster
# this test starts. Concurrent senders deliver overlapping report mails to
# both (the same mail to both MX hosts, as a sender retrying on the other
# MX does), and later send some again. Under that load one instance is
# killed with SIGKILL and restarted, and PostgreSQL itself is restarted.
# At the end every mail was acknowledged, every acknowledged report is
# stored exactly once whichever host took it, the totals equal what was
# sent, and the rows name the instance that received them (each MX first
# gets a few mails of its own, which only it can have stored).
#
# env: FAULT_MESSAGES (120) unique report mails, FAULT_WORKERS (8) senders
#      per MX, FAULT_SEED replays the mails.
. "$(dirname "$0")/../cli/lib.sh"
. "$TOP/tests/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root to run throwaway Postfix instances"
	exit 0
fi
need postfix python3 psql setpriv

N=${FAULT_MESSAGES:-120}
W=${FAULT_WORKERS:-8}
SEED=${FAULT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "$(basename "$0"): seed $SEED (replay with FAULT_SEED=$SEED)"
FAULTS="$TOP/tests/faults"
RUN_AS=nobody
PGD="$T/pg"
pids=""

cleanup() {
	for p in $pids; do kill -KILL "$p" 2> /dev/null || true; done
	for i in a b; do
		postfix -c "$T/$i/conf" stop > /dev/null 2>&1 || true
	done
	sh "$TOP/tests/pg/cluster.sh" stop "$PGD" > /dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 0755 "$T"

mkdir -p "$PGD"
sh "$TOP/tests/pg/cluster.sh" start "$PGD" > "$T/pg.out" 2>&1 || {
	echo "FAIL: the test PostgreSQL did not start:" >&2
	cat "$T/pg.out" >&2
	exit 1
}
# the unix socket directory, given to libpq as the host
target="postgresql://tlsrptd@/postgres?host=$PGD"
psq() { psql -X -q -At -F '	' -h "$PGD" -U tlsrptd -d postgres -c "$1"; }

# mx NAME - a Postfix on its own port handing mail to its own tlsrptd
mx() {
	_d="$T/$1"
	mkdir -p "$_d/conf" "$_d/queue" "$_d/data" "$_d/log" "$_d/run"
	chown postfix "$_d/data"
	chown "$RUN_AS" "$_d/run" "$_d/log"
	_p=$(pf_free_port)
	[ "$1" = a ] || while [ "$_p" = "$port_a" ] ||
	    [ -n "$(ss -Hltn "sport = :$_p" 2> /dev/null)" ]; do _p=$((_p + 1)); done
	pf_write_config "$_d" "$_p" "mx-$1.tlsrptd-test.invalid" tlsrpt.test \
	    "inline:{tlsrpt.test=discard:rua}" "unix:$_d/run/milter.sock" \
	    "smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
in_flow_delay = 0"
	eval "port_$1=\$_p"
	pf_start "$_d" "port_$1"
	cat > "$_d/tlsrptd.conf" <<EOF
database = $target
instance_name = mx-$1
# unsigned generated mail: DKIM has its own tests
dkim = off
log = $_d/log/tlsrptd.log
rua = @tlsrpt.test
milter_socket = unix:$_d/run/milter.sock
user = $RUN_AS
group = postfix
shutdown_timeout = 30
EOF
}

# started NAME - how many times that instance's log says it started
started() {
	_c=$(grep -c '"event":"started"' "$T/$1/log/tlsrptd.log" 2> /dev/null || true)
	echo "${_c:-0}"
}

# start NAME - run that instance until its log says it started
start() {
	_d="$T/$1"
	_before=$(started "$1")
	"$TLSRPTD" run -c "$_d/tlsrptd.conf" >> "$_d/tlsrptd.out" 2>&1 &
	eval "tpid_$1=\$!"
	pids="$pids $!"
	_i=0
	while [ "$(started "$1")" -le "$_before" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ] || ! kill -0 "$(eval echo "\$tpid_$1")" 2> /dev/null; then
			echo "FAIL: tlsrptd $1 did not come up:" >&2
			cat "$_d/tlsrptd.out" "$_d/log/tlsrptd.log" >&2 2> /dev/null
			exit 1
		fi
		sleep 0.1
	done
}

# send NAME FIRST COUNT LOG - sender.py at that MX in the background
send() {
	python3 "$FAULTS/sender.py" --port "$(eval echo "\$port_$1")" \
	    --first "$2" --count "$3" --workers "$W" --seed "$SEED" \
	    --log "$4" --expect "$4.expect" --deadline 300 > "$4.out" 2>&1 &
	pids="$pids $!"
	last=$!
}

mx a
mx b
start a
start b

# each MX alone: mails N .. N+OWN-1 to a, N+OWN .. N+2*OWN-1 to b
OWN=4
mkdir -p "$T/mail"
send a "$N" "$OWN" "$T/mail/own-a"
rc=0; wait "$last" || rc=$?
check_eq "MX a: its own mails acknowledged" 0 "$rc"
send b $((N + OWN)) "$OWN" "$T/mail/own-b"
rc=0; wait "$last" || rc=$?
check_eq "MX b: its own mails acknowledged" 0 "$rc"

# both MX hosts get mails 0 .. N-1, in a different order of workers; the
# second half of b's also once more later
send a 0 "$N" "$T/mail/a"
sa=$last
send b 0 "$N" "$T/mail/b"
sb=$last

# under that load: a SIGKILL of instance a, then a PostgreSQL restart
wait_acks() {
	while [ "$(cat "$T/mail/a" "$T/mail/b" 2> /dev/null | grep -c '^acked' || true)" -lt "$1" ]; do
		kill -0 "$sa" 2> /dev/null || kill -0 "$sb" 2> /dev/null || return 0
		sleep 0.05
	done
}
wait_acks $((N / 4))
kill -KILL "$tpid_a"
{ wait "$tpid_a"; } 2> /dev/null || true
sleep 0.2
start a
wait_acks $((N / 2))
sh "$TOP/tests/pg/cluster.sh" restart "$PGD" > "$T/pg.restart" 2>&1 ||
    fail "PostgreSQL restart: $(cat "$T/pg.restart")"
rc=0; wait "$sa" || rc=$?
check_eq "MX a: every mail acknowledged" 0 "$rc"
[ "$rc" -eq 0 ] || tail -5 "$T/mail/a.out" >&2
rc=0; wait "$sb" || rc=$?
check_eq "MX b: every mail acknowledged" 0 "$rc"
[ "$rc" -eq 0 ] || tail -5 "$T/mail/b.out" >&2

# re-sent later, to the other MX
send a $((N / 2)) $((N / 2)) "$T/mail/again"
rc=0; wait "$last" || rc=$?
check_eq "re-sent mails acknowledged" 0 "$rc"

# every acknowledged report once; the totals those of the unique mails
ALL=$((N + 2 * OWN))
cat "$T/mail/a" "$T/mail/b" "$T/mail/again" "$T/mail/own-a" "$T/mail/own-b" |
    awk -F '\t' '$1 == "acked" { print $3 }' | sort -u > "$T/acked"
psq "SELECT report_id FROM reports" | sort > "$T/stored"
check_eq "acknowledged reports missing" 0 "$(comm -23 "$T/acked" "$T/stored" | wc -l)"
check_eq "reports stored more than once" "" "$(uniq -d "$T/stored" | head -3)"
check_eq "reports stored" "$ALL" "$(wc -l < "$T/stored")"
sort -u "$T/mail/a.expect" "$T/mail/b.expect" "$T/mail/own-a.expect" \
    "$T/mail/own-b.expect" > "$T/expected"
check_eq "unique mails sent" "$ALL" "$(wc -l < "$T/expected")"
check_eq "totals (reports, policies, successful, failed)" \
    "$(awk -F '\t' '{ r++; p += $3; s += $4; f += $5 }
	END { print r "\t" p "\t" s "\t" f }' "$T/expected")" \
    "$(psq "SELECT (SELECT count(*) FROM reports), count(*),
	sum(successful_sessions), sum(failed_sessions) FROM policies")"
check_eq "nothing quarantined" 0 "$(psq "SELECT count(*) FROM quarantine")"
check_eq "rows name only the two instances" "" \
    "$(psq "SELECT DISTINCT instance_name FROM reports
	WHERE instance_name NOT IN ('mx-a', 'mx-b')")"
for i in a b; do
	awk -F '\t' '$1 == "acked" { print "mx-'$i'\t" $3 }' "$T/mail/own-$i" |
	    sort > "$T/own-$i.want"
	ids=$(cut -f2 "$T/own-$i.want" | sed "s/.*/'&'/" | paste -sd, -)
	psq "SELECT instance_name, report_id FROM reports
	    WHERE report_id IN (${ids:-''})" |
	    sort > "$T/own-$i.got"
	check_eq "MX $i: its own mails name instance mx-$i" \
	    "$(cat "$T/own-$i.want")" "$(cat "$T/own-$i.got")"
done
dups=$(cat "$T/a/log/tlsrptd.log" "$T/b/log/tlsrptd.log" |
    grep -c '"outcome":"duplicate"' || true)
tf=$(cat "$T/mail/a" "$T/mail/b" "$T/mail/again" | grep -c '^tempfail' || true)
dr=$(cat "$T/mail/a" "$T/mail/b" "$T/mail/again" | grep -c '^dropped' || true)
echo "note: $N reports sent to both MX hosts and $((N / 2)) again:" \
    "$dups answered as duplicates, $(wc -l < "$T/stored") stored;" \
    "$tf temporary failures and $dr dropped connections retried" \
    "(the kill and the PostgreSQL restart)"

for i in a b; do
	kill -TERM "$(eval echo "\$tpid_$i")"
	rc=0; wait "$(eval echo "\$tpid_$i")" || rc=$?
	check_eq "tlsrptd $i exit status after SIGTERM" 0 "$rc"
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/$i/tlsrptd.out" > /dev/null; then
		fail "sanitizer report from tlsrptd $i"
		cat "$T/$i/tlsrptd.out" >&2
	fi
done
if [ "$failures" -ne 0 ]; then
	for i in a b; do
		echo "--- tlsrptd $i log (last lines)" >&2
		tail -n 40 "$T/$i/log/tlsrptd.log" | cut -c1-300 >&2
	done
fi
finish
